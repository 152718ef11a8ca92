// Package runners is what it takes to run the pipelines somewhere: runners/launch, the
// launch path every pipeline binary shares, and the deployment files of runners/dataflow
// (Flex Templates, a Data Pipelines schedule), runners/flink (Kubernetes, docker compose,
// a CronJob) and runners/airflow (a DAG). This package's test checks the pipeline command
// lines in those files and in their READMEs against the binaries' flags, and that each
// schedule runs monthly with a dated output and one response store.
package runners
