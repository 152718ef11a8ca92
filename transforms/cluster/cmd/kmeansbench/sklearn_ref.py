#!/usr/bin/env python3
"""scikit-learn's Lloyd k-means on kmeansbench's data, for comparison.

    python3 sklearn_ref.py X.npy INIT.npy ITERS      # from kmeansbench --write_init
    python3 sklearn_ref.py X.npy k-means++ ITERS K   # sklearn's own seeding, timed too

Prints wall_s=, seed_s=, s/iter=, iters=, inertia= like kmeansbench. Iterations
count alike: sklearn's max_iter=ITERS assigns and updates ITERS times and then
assigns once more for the final labels, as cluster.Lloyd does with iters=ITERS
(ITERS updates, ITERS+1 assignment passes), and s/iter is the Lloyd time over
ITERS in both. tol=0 disables sklearn's centre-shift stop; it still stops early
when the labels stop changing, which leaves the result unchanged (a fixed point).
"""
import sys
import time

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus


def main():
    x = np.load(sys.argv[1])
    assert x.dtype == np.float32 and x.flags.c_contiguous
    iters = int(sys.argv[3])
    start = time.perf_counter()
    if sys.argv[2] == "k-means++":
        init, _ = kmeans_plusplus(x, int(sys.argv[4]), random_state=0)
    else:
        init = np.load(sys.argv[2])
    seeded = time.perf_counter()
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=iters,
                tol=0, algorithm="lloyd")
    km.fit(x)
    end = time.perf_counter()
    # The inertia in float64 from x − c, as cluster.Lloyd sums it; sklearn's own
    # inertia_ is summed in float32 for float32 data.
    c = km.cluster_centers_.astype(np.float64)
    inertia = 0.0
    for lo in range(0, x.shape[0], 8192):
        diff = x[lo:lo + 8192].astype(np.float64) - c[km.labels_[lo:lo + 8192]]
        inertia += float(np.einsum("ij,ij->", diff, diff))
    print(f"wall_s={end - start:.3f}")
    print(f"seed_s={seeded - start:.3f}")
    print(f"s/iter={(end - seeded) / km.n_iter_:.4f}")
    print(f"iters={km.n_iter_}")
    print(f"inertia={inertia:.10g}")
    print(f"sklearn_inertia={km.inertia_:.10g}")


if __name__ == "__main__":
    main()
