"""One BLAS kernel for the suite wherever the CPU allows it, loaded as the first pytest plugin
(``-p tests.blas_kernel`` in pyproject.toml: before the plugins that import NumPy, which loads
OpenBLAS and reads ``OPENBLAS_CORETYPE`` once).

The clustering's tests compare exact topics on small synthetic sets whose spectra have ties, and
there the randomized SVD and k-means follow OpenBLAS's CPU kernel: under its Haswell kernel (the
one an AMD EPYC picks, and which a machine may force with ``OPENBLAS_CORETYPE``) the toy hotel
reviews split differently than under the SkylakeX kernel the expected values were measured
with. Where the CPU runs AVX-512 the suite uses SkylakeX; worker processes the tests start
inherit it. Elsewhere nothing is changed."""

import os
import sys
from pathlib import Path

_CPU = Path("/proc/cpuinfo")

if "numpy" not in sys.modules and _CPU.exists() and " avx512f " in _CPU.read_text(errors="replace"):
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
