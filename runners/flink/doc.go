// Package flink holds what it takes to run the pipelines on Apache Flink through Beam's
// Flink job server: the TaskManager image with Beam's Go boot loader and the pipeline
// binaries (Dockerfile), the PROCESS environment's command (xinstruct-worker.sh),
// Kubernetes manifests (k8s/) and a docker-compose file for one machine. README.md goes
// from nothing to a running job. The package's test runs xinstruct-worker.sh against a
// stand-in boot loader.
package flink
