# The layering test (issue 16): every #include in src/ points down the layers.
#
#   cmake -DPRIVET_SOURCE_DIR=<repo> -P tests/layering.cmake      (ctest runs it as `layering`)
#
# The layers, lowest first; an arrow means "may be used by":
#   common -> policy, crypto, signals
#   policy, crypto -> store -> keys -> audit -> vault -> rights, retention, delivery -> web
#   -> server -> cli
#   (signals, the consent-string codecs of TCF and GPP, depends on common only)
# (web renders the privacy center's pages, server serves them; cli is above server: `privet
# serve` runs it.)
#
# 1. Each src/<folder>/README.md has one line `Depends on: a, b, c` (or `Depends on: nothing`)
#    naming the folders it may include; each must be a known layer below the folder's own. The
#    same line gives the folder's library its link dependencies (CMakeLists.txt, privet_layer).
# 2. Each public header include/privet/X.h belongs to one layer, as the table in
#    include/privet/README.md says (`| X.h | layer |`); a header missing from it is an error.
#    A public header may include only public headers of its own layer or of those below it.
# 3. Every .h and .cc file under src/<folder>/ (subfolders such as store/sqlite/ included, and
#    *_test.cc included: a test beside its code tests that layer) may include "X/..." only for
#    X its own folder or one its README names, and "privet/Y.h" only for Y of such a layer.
#    Test files (*_test.cc) are held to the same rule for private headers ("X/..."), but may
#    include the public header of any layer (they link the whole library, and a vault test may
#    run a retention sweep through the public API to check the two together) and the shared
#    helpers under tests/ ("testing/...", "conformance/..."). Other quoted includes
#    ("nlohmann/json.hpp") and <...> are not ours.
#
# Every violation is printed as `file:line: #include "..."` with the reason, then the test fails.

cmake_minimum_required(VERSION 3.25)  # IN_LIST, and as the project
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/privet_layers.cmake)

if(NOT PRIVET_SOURCE_DIR)
  get_filename_component(PRIVET_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

# Rank of each layer: a folder may depend only on layers of a lower rank.
set(rank_common 0)
set(rank_policy 1)
set(rank_crypto 1)
set(rank_signals 1)
set(rank_store 2)
set(rank_keys 3)
set(rank_audit 4)
set(rank_vault 5)
set(rank_rights 6)
set(rank_retention 6)
set(rank_delivery 6)
set(rank_web 7)
set(rank_server 8)
set(rank_cli 9)  # above server: `privet serve`
set(test_helper_dirs testing conformance)  # under tests/, for *_test.cc only

set(problems "")
macro(problem text)
  string(APPEND problems "${text}\n")
endmacro()

# --- 1. The folders and what their READMEs allow.
file(GLOB folder_paths LIST_DIRECTORIES true "${PRIVET_SOURCE_DIR}/src/*")
set(folders "")
foreach(path IN LISTS folder_paths)
  if(NOT IS_DIRECTORY "${path}")
    continue()
  endif()
  get_filename_component(folder "${path}" NAME)
  list(APPEND folders "${folder}")
  if(NOT DEFINED rank_${folder})
    problem("src/${folder}/: not a known layer; add it to the order in tests/layering.cmake (issue 16)")
    continue()
  endif()
  privet_layer_depends("${path}/README.md" deps)
  if(deps_ERROR)
    problem("src/${folder}/README.md: ${deps_ERROR}")
    continue()
  endif()
  set(allowed_${folder} "${folder}")
  foreach(dep IN LISTS deps)
    if(NOT DEFINED rank_${dep})
      problem("src/${folder}/README.md: `Depends on:` names '${dep}', which is not a layer")
    elseif(NOT rank_${dep} LESS rank_${folder})
      problem("src/${folder}/README.md: `Depends on:` names '${dep}', which is not below ${folder}")
    else()
      list(APPEND allowed_${folder} "${dep}")
    endif()
  endforeach()
endforeach()

# --- 2. The public headers' layers, from include/privet/README.md.
set(public_readme "${PRIVET_SOURCE_DIR}/include/privet/README.md")
set(rows "")
if(EXISTS "${public_readme}")
  file(STRINGS "${public_readme}" rows REGEX "^\\| *`?[a-z_0-9]+\\.h`? *\\|")
endif()
foreach(row IN LISTS rows)
  string(REGEX MATCH "^\\| *`?([a-z_0-9]+\\.h)`? *\\| *([a-z]+) *\\|" _ "${row}")
  set(header "${CMAKE_MATCH_1}")
  set(layer "${CMAKE_MATCH_2}")
  if(NOT DEFINED rank_${layer})
    problem("include/privet/README.md: ${header} belongs to '${layer}', which is not a layer")
  else()
    set(owner_${header} "${layer}")
  endif()
endforeach()
file(GLOB public_headers RELATIVE "${PRIVET_SOURCE_DIR}/include/privet" "${PRIVET_SOURCE_DIR}/include/privet/*.h")
foreach(header IN LISTS public_headers)
  if(NOT DEFINED owner_${header})
    problem("include/privet/${header}: not in the table of include/privet/README.md (`| ${header} | layer |`)")
  endif()
endforeach()

# The quoted includes of `file` as a list of "line|path".
function(quoted_includes file out)
  file(STRINGS "${file}" lines)
  set(result "")
  set(n 0)
  foreach(text IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(text MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
      list(APPEND result "${n}|${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# A public header includes only public headers of its layer or below.
foreach(header IN LISTS public_headers)
  if(NOT DEFINED owner_${header})
    continue()
  endif()
  quoted_includes("${PRIVET_SOURCE_DIR}/include/privet/${header}" includes)
  foreach(entry IN LISTS includes)
    string(REGEX MATCH "^([0-9]+)\\|(.*)$" _ "${entry}")
    set(n "${CMAKE_MATCH_1}")
    set(path "${CMAKE_MATCH_2}")
    if(path MATCHES "^privet/(.+)$")
      set(target "${CMAKE_MATCH_1}")
      if(DEFINED owner_${target} AND rank_${owner_${target}} GREATER rank_${owner_${header}})
        problem("include/privet/${header}:${n}: #include \"${path}\": ${header} is ${owner_${header}}'s, ${target} is ${owner_${target}}'s, above it")
      endif()
    else()
      problem("include/privet/${header}:${n}: #include \"${path}\": a public header includes only privet/ headers")
    endif()
  endforeach()
endforeach()

# --- 3. Every file under src/<folder>/.
foreach(folder IN LISTS folders)
  if(NOT DEFINED allowed_${folder})
    continue()
  endif()
  file(GLOB_RECURSE files RELATIVE "${PRIVET_SOURCE_DIR}" "${PRIVET_SOURCE_DIR}/src/${folder}/*.h"
       "${PRIVET_SOURCE_DIR}/src/${folder}/*.cc")
  foreach(file IN LISTS files)
    set(is_test FALSE)
    # Test code: *_test.cc, and the headers only tests include (test_*.h).
    if(file MATCHES "_test\\.cc$" OR file MATCHES "/test_[a-z_]*\\.h$")
      set(is_test TRUE)
    endif()
    quoted_includes("${PRIVET_SOURCE_DIR}/${file}" includes)
    foreach(entry IN LISTS includes)
      string(REGEX MATCH "^([0-9]+)\\|(.*)$" _ "${entry}")
      set(n "${CMAKE_MATCH_1}")
      set(path "${CMAKE_MATCH_2}")
      if(NOT path MATCHES "^([^/]+)/(.+)$")
        continue()  # not one of ours: every include of ours names its folder
      endif()
      set(top "${CMAKE_MATCH_1}")
      set(rest "${CMAKE_MATCH_2}")
      if(top STREQUAL "privet")
        if(NOT DEFINED owner_${rest})
          problem("${file}:${n}: #include \"${path}\": no such public header in include/privet/README.md")
        elseif(NOT is_test AND NOT owner_${rest} IN_LIST allowed_${folder})
          problem("${file}:${n}: #include \"${path}\": ${rest} belongs to ${owner_${rest}}, which src/${folder}/README.md does not allow (Depends on: ${allowed_${folder}})")
        endif()
      elseif(top IN_LIST folders)
        if(NOT top IN_LIST allowed_${folder})
          problem("${file}:${n}: #include \"${path}\": ${folder} may not include ${top} (src/${folder}/README.md allows: ${allowed_${folder}})")
        endif()
      elseif(top IN_LIST test_helper_dirs)
        if(NOT is_test)
          problem("${file}:${n}: #include \"${path}\": test helpers (tests/${top}/) are for *_test.cc and test_*.h files only")
        endif()
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  message(NOTICE "${problems}")  # unwrapped, one problem a line
  message(FATAL_ERROR "layering: includes against the layers above (issue 16; docs/architecture.md)")
endif()
message(STATUS "layering: every include in src/ and include/privet/ points down the layers")
