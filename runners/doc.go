// Package runners is what it takes to run the pipelines somewhere: runners/launch, the
// launch path every pipeline binary shares, and the deployment files of runners/dataflow
// (Flex Templates) and runners/flink (Kubernetes, docker compose). This package's test
// checks the pipeline command lines in those files and in their READMEs against the
// binaries' flags.
package runners
