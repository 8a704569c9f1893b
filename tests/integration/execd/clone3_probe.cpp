// Calls clone3 directly (no libc fallback) and reports what happened:
//   prints "clone3: ok" and exits 0 when a child was created,
//   prints "clone3: ENOSYS" and exits 2 when the call failed with ENOSYS,
//   prints "clone3: error <errno text>" and exits 1 on any other failure.
#include <cstdio>
#include <cstring>

#include "../../support/try_clone3.hpp"

int main() {
    const int error = try_clone3();
    if (error == 0) {
        std::puts("clone3: ok");
        return 0;
    }
    if (error == ENOSYS) {
        std::puts("clone3: ENOSYS");
        return 2;
    }
    std::printf("clone3: error %s\n", std::strerror(error));
    return 1;
}
