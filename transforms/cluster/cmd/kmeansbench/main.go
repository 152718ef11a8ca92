// Command kmeansbench times k-means (cluster.SeedPlusPlus and cluster.Lloyd, the
// functions a pipeline calls) on an n×d float32 .npy matrix and prints one figure
// per line: wall_s, seed_s, s/iter, iters, inertia, peak_rss_mb.
//
//	kmeansbench --gen 100000,256,200 --data /tmp/x.npy --k 200 --iters 20
//	kmeansbench --data /tmp/x.npy --k 200 --iters 20 --write_init /tmp/init.npy
//	python3 sklearn_ref.py /tmp/x.npy /tmp/init.npy 20   # scikit-learn from the same init
//
// With --gen "n,d,k" it first writes a seeded Gaussian mixture with k true centers
// to --data. With --init the initial centroids are read from that k×d .npy instead
// of k-means++. With --iters > 0, Lloyd runs exactly that many iterations (no early
// stop); otherwise it runs up to --maxiters with --tol. --write_init saves the
// initial centroids, so that sklearn_ref.py can start from the same ones.
//
// The distance kernel is the fastest the CPU runs (AVX-512, AVX2+FMA, or pure Go);
// build with -tags purego to time the pure-Go one.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/xinstruct/xinstruct/transforms/cluster"
)

func main() {
	var (
		dataPath = flag.String("data", "", "n×d float32 .npy data (written first when --gen is set)")
		initPath = flag.String("init", "", "optional k×d float32 .npy initial centroids (default: k-means++)")
		k        = flag.Int("k", 0, "number of clusters (default: rows of --init, or k of --gen)")
		iters    = flag.Int("iters", 0, "run exactly this many Lloyd iterations (0: up to --maxiters with --tol)")
		maxIters = flag.Int("maxiters", 300, "maximum Lloyd iterations when --iters is 0")
		tol      = flag.Float64("tol", 1e-4, "relative inertia improvement to stop at when --iters is 0")
		seed     = flag.Uint64("seed", 1, "seed of k-means++ (and of --gen)")
		sample   = flag.Int("sample", 0, "k-means++ on at most this many rows (0: all)")
		gen      = flag.String("gen", "", `"n,d,k": write a seeded Gaussian mixture with k centers to --data first`)
		cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of seeding and Lloyd to this file")
		outInit  = flag.String("write_init", "", "write the initial k×d centroids (k-means++ or --init) to this .npy, for sklearn_ref.py")
	)
	flag.Parse()
	if *dataPath == "" {
		log.Fatal("kmeansbench: --data is required")
	}
	if *gen != "" {
		genK, err := generate(*dataPath, *gen, *seed)
		if err != nil {
			log.Fatalf("kmeansbench: --gen: %v", err)
		}
		if *k == 0 && *initPath == "" {
			*k = genK
		}
		debug.FreeOSMemory() // drop the generator's copy, so that peak_rss_mb is k-means' own
	}
	data, n, d, err := readNPY(*dataPath)
	if err != nil {
		log.Fatalf("kmeansbench: %v", err)
	}

	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			log.Fatalf("kmeansbench: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("kmeansbench: %v", err)
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	var centroids []float32
	if *initPath != "" {
		c, ck, cd, err := readNPY(*initPath)
		if err != nil {
			log.Fatalf("kmeansbench: --init: %v", err)
		}
		if cd != d || (*k != 0 && *k != ck) {
			log.Fatalf("kmeansbench: --init is %d×%d, want %d×%d", ck, cd, *k, d)
		}
		centroids, *k = c, ck
	} else {
		if *k < 1 {
			log.Fatal("kmeansbench: --k is required")
		}
		centroids = cluster.SeedPlusPlus(data, n, d, *k, *sample, *seed)
	}
	seedDur := time.Since(start)
	var init []float32
	if *outInit != "" {
		init = append(init, centroids...) // Lloyd moves centroids in place
	}

	runIters, runTol := *iters, 0.0
	if *iters <= 0 {
		runIters, runTol = *maxIters, *tol
	}
	lloydStart := time.Now()
	_, inertia, itersRun := cluster.Lloyd(data, n, d, centroids, *k, runIters, runTol)
	lloydDur := time.Since(lloydStart)
	wall := time.Since(start)

	perIter := 0.0
	if itersRun > 0 {
		// Lloyd makes itersRun+1 assignment passes; the extra one is spread over the
		// iterations.
		perIter = lloydDur.Seconds() / float64(itersRun)
	}
	if *outInit != "" {
		if err := writeNPY(*outInit, init, *k, d); err != nil {
			log.Fatalf("kmeansbench: --write_init: %v", err)
		}
	}
	fmt.Printf("wall_s=%.3f\n", wall.Seconds())
	fmt.Printf("seed_s=%.3f\n", seedDur.Seconds())
	fmt.Printf("s/iter=%.4f\n", perIter)
	fmt.Printf("iters=%d\n", itersRun)
	fmt.Printf("inertia=%.10g\n", inertia)
	fmt.Printf("peak_rss_mb=%s\n", peakRSS())
	fmt.Printf("gomaxprocs=%d\n", runtime.GOMAXPROCS(0))
}

func readNPY(path string) ([]float32, int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	data, rows, cols, err := cluster.ReadNPY(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return data, rows, cols, nil
}

func writeNPY(path string, data []float32, rows, cols int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := cluster.WriteNPY(f, data, rows, cols); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// generate writes n×d rows to path: row i is center[c] + N(0, 1) noise per
// coordinate, with c uniform among k centers whose coordinates are N(0, 4²)
// (so clusters overlap a little in 256-D, as real embeddings do not separate
// perfectly). It returns k.
func generate(path, spec string, seed uint64) (int, error) {
	parts := strings.Split(spec, ",")
	if len(parts) != 3 {
		return 0, fmt.Errorf("%q: want n,d,k", spec)
	}
	var v [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || x < 1 {
			return 0, fmt.Errorf("%q: want three positive integers", spec)
		}
		v[i] = x
	}
	n, d, k := v[0], v[1], v[2]
	rng := rand.New(rand.NewPCG(seed, 0xda7a))
	centers := make([]float32, k*d)
	for i := range centers {
		centers[i] = float32(4 * rng.NormFloat64())
	}
	data := make([]float32, n*d)
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		for j := 0; j < d; j++ {
			data[i*d+j] = centers[c*d+j] + float32(rng.NormFloat64())
		}
	}
	return k, writeNPY(path, data, n, d)
}

// peakRSS returns VmHWM from /proc/self/status in MB, or "NA" where there is none.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "NA"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fs := strings.Fields(rest) // "123456 kB"
			if len(fs) >= 1 {
				if kb, err := strconv.ParseFloat(fs[0], 64); err == nil {
					return fmt.Sprintf("%.1f", kb/1024)
				}
			}
		}
	}
	return "NA"
}
