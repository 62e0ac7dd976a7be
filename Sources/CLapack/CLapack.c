// CLapack only declares the system's LAPACK and BLAS routines (include/CLapack.h); SwiftPM needs one source file.
#include "CLapack.h"
