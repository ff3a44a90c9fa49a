// SPDX-License-Identifier: Apache-2.0
// Image 3 (issue 17): a failure must end the run at once. It asks the
// throwing operator new for more than the whole heap; libstdc++ (built
// without exceptions) then calls abort(), which board.cpp turns into a
// semihosting exit with a failing code. run.sh's "fail" mode expects the
// last line "m4 FAILED abort" and a non-zero exit well before its timeout
// (before board.cpp had its own _exit/abort, this image hung until then).
#include <new>

#include "board.hpp"
#include "heap.hpp"

int main() {
  volatile std::size_t too_much = heap::capacity() + 1;  // volatile: the call is made
  void* p = ::operator new(too_much);
  board::write("m4 fail FAILED operator new returned\n");  // not reached
  ::operator delete(p);
  return 0;
}
