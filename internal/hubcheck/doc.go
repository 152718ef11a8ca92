// Package hubcheck reads the generate job's dataset as the Hugging Face Hub would, with
// a Parquet reader that is not the one that wrote it: DuckDB. It is a module of its own
// so that DuckDB (cgo and a large prebuilt library) stays out of the main module's build;
// .ci/run runs its tests when cgo and a C++ toolchain are there.
package hubcheck
