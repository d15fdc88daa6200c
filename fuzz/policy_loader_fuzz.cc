// Fuzz target: the policy loader and compiler must turn any byte string into diagnostics or a
// policy, never a crash, a hang or a sanitizer report.
#include <cstdint>
#include <string_view>

#include "privet/compiled_policy.h"
#include "privet/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  privet::PolicyLoadResult result = privet::LoadPolicy(text, "fuzz.yaml");
  if (result.ok()) {
    auto compiled = privet::CompiledPolicy::Compile(std::move(*result.policy));
    (void)compiled;
  }
  return 0;
}
