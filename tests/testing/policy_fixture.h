// Test helpers: load a policy from text or from policies/, failing the test with every
// diagnostic when it does not load.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "privet/compiled_policy.h"
#include "privet/policy.h"

namespace privet::testing {

inline std::string SourcePath(const std::string& relative) {
  return std::string(PRIVET_SOURCE_DIR) + "/" + relative;
}

inline std::string DiagnosticsText(const PolicyLoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.ToString() + "\n";
  return out;
}

// Loads and compiles; on failure records a test failure and returns nullptr.
inline std::shared_ptr<const CompiledPolicy> CompileText(std::string_view yaml) {
  PolicyLoadResult r = LoadPolicy(yaml, "test.yaml");
  EXPECT_TRUE(r.ok()) << DiagnosticsText(r);
  if (!r.ok()) return nullptr;
  auto compiled = CompiledPolicy::Compile(std::move(*r.policy));
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  return compiled.ok() ? *compiled : nullptr;
}

inline std::shared_ptr<const CompiledPolicy> CompileFile(const std::string& relative) {
  PolicyLoadResult r = LoadPolicyFile(SourcePath(relative));
  EXPECT_TRUE(r.ok()) << DiagnosticsText(r);
  if (!r.ok()) return nullptr;
  auto compiled = CompiledPolicy::Compile(std::move(*r.policy));
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  return compiled.ok() ? *compiled : nullptr;
}

}  // namespace privet::testing
