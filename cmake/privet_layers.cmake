# What a folder of src/ may depend on: the one `Depends on: a, b, c` (or `Depends on: nothing`)
# line of its README.md. Read by CMakeLists.txt (the folder's library links those layers) and by
# tests/layering.cmake (its includes may name only those layers), so the two cannot disagree.
#
# Sets `out` to the list of folders, or, when the README is missing or has not exactly one such
# line, leaves `out` unset and sets `<out>_ERROR` to a message.
function(privet_layer_depends readme out)
  set(lines "")
  if(EXISTS "${readme}")
    file(STRINGS "${readme}" lines REGEX "^Depends on:")
  endif()
  list(LENGTH lines count)
  if(NOT count EQUAL 1)
    set(${out}_ERROR "needs exactly one line `Depends on: a, b` (or `Depends on: nothing`)" PARENT_SCOPE)
    unset(${out} PARENT_SCOPE)
    return()
  endif()
  string(REGEX REPLACE "^Depends on:[ ]*" "" text "${lines}")
  string(REGEX REPLACE "[ ]*,[ ]*" ";" deps "${text}")
  list(REMOVE_ITEM deps nothing)
  set(${out} "${deps}" PARENT_SCOPE)
  unset(${out}_ERROR PARENT_SCOPE)
endfunction()
