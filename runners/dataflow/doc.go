// Package dataflow holds what it takes to run the pipelines on Google Cloud Dataflow as
// Flex Templates: for each pipeline a launcher image (<pipeline>/Dockerfile) and the
// template's metadata (<pipeline>/metadata.json), whose parameters are the binary's own
// flags. README.md goes from an empty project to a running job.
//
// The metadata files are generated from the flag definitions (job.ProjectFlags), so that
// they cannot drift from the binaries; the package's test fails when they differ:
//
//	go generate ./runners/dataflow
package dataflow

//go:generate go run ./cmd/flexmetadata
