"""Monthly xinstruct generate runs from Apache Airflow.

Two DAGs, one per platform: xinstruct_generate_dataflow launches the job on Google Cloud
Dataflow, xinstruct_generate_flink on the Flink cluster of runners/flink (through its
Beam job server). Enable the one for your platform. Each uses BeamRunGoPipelineOperator
(apache-airflow-providers-apache-beam, with apache-airflow-providers-google for GCS and
Dataflow), which downloads the pipeline binary from GCS and runs it as the launcher:

    <launcher_binary> --runner=<runner> --<option>=<value> ... --worker_binary=<worker_binary>

Every run passes the same corpus glob (what is there at run time), an output prefix named
by the run's logical date, and the same response store, so that a run pays only for the
documents and settings that changed since the last one (README.md, "Incremental runs").
The launcher exits 0 when the run published _SUCCESS and 1 when it failed (_FAILURE, with
the reason on the last line of its log), which fails the task.

Build and upload the binary first (linux/amd64, as the Airflow workers and Dataflow workers
run; runners/dataflow/README.md):

    GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' \
        -tags disable_grpc_modules -o generate-linux-amd64 ./pipelines/generate
    gcloud storage cp generate-linux-amd64 gs://$BUCKET/bin/

runners/commands_test.go checks that every option below is a flag of the generate binary
or of Beam, and that each schedule passes input, a dated output and a fixed response store.
"""

from __future__ import annotations

import pendulum
from airflow.providers.apache.beam.operators.beam import BeamRunGoPipelineOperator
from airflow.providers.google.cloud.operators.dataflow import DataflowConfiguration

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

# Change these to yours (the names of runners/dataflow/README.md).
PROJECT = "my-project"
REGION = "us-central1"
BUCKET = "my-project-xinstruct"
SA = f"xinstruct-worker@{PROJECT}.iam.gserviceaccount.com"
KEY_REF = f"projects/{PROJECT}/secrets/openai-api-key/versions/1"
BINARY = f"gs://{BUCKET}/bin/generate-linux-amd64"
SCHEDULE = "0 3 1 * *"  # 03:00 UTC on the first of every month
START = pendulum.datetime(2026, 1, 1, tz="UTC")

# What every run of either platform passes. The response store is the same every time:
# left out it would be <output>/responses, a new and empty one per run date.
COMMON = {
    "input": f"gs://{BUCKET}/corpus/*.jsonl.gz",
    "response_store": f"gs://{BUCKET}/xinstruct/responses",
    "llm_base_url": "https://api.openai.com/v1",
    "generator_model": "gpt-4o-mini",
    "price": "0.15,0.60",
    "max_in_flight": 16,
    # A dated output holds this run's version only (versions/, LATEST); compare two
    # months with cmd/xinstruct-diff --from=<one output> --to=<another>.
    "keep_versions": 1,
}

# Dataflow: the operator adds --project, --region, --job_name and --labels from
# dataflow_config. Do not set dataflow_config's service_account: the operator passes it
# as --service_account, which the Go SDK does not have; pass service_account_email here.
DATAFLOW_OPTIONS = {
    **COMMON,
    "output": f"gs://{BUCKET}/xinstruct/generate/{{{{ ds }}}}",
    "api_key_secret": KEY_REF,  # read by each worker from Secret Manager
    "staging_location": f"gs://{BUCKET}/staging",
    "temp_location": f"gs://{BUCKET}/tmp",
    "service_account_email": SA,
    "sdk_container_image": "apache/beam_go_sdk:2.77.0",
    "num_workers": 4,
    "max_num_workers": 20,
    "worker_machine_type": "n2-standard-4",
    # Beam's INFO lines carry the job id the operator follows the job by.
    "beam_log_level": "info",
}

# Flink, through the Beam job server of runners/flink/k8s/jobserver.yaml, with the PROCESS
# workers of runners/flink (README.md there): the TaskManagers read the key from their
# environment (env:XINSTRUCT_API_KEY), which the Airflow worker does not have, so the
# launcher skips the pre-flight. gs:// paths need the TaskManagers to reach GCS (Workload
# Identity, or a key in their environment); a path on a volume they all mount works too.
FLINK_OPTIONS = {
    **COMMON,
    "output": f"gs://{BUCKET}/xinstruct/generate-flink/{{{{ ds }}}}",
    "api_key_secret": "env:XINSTRUCT_API_KEY",
    "skip_preflight": True,
    "endpoint": "xinstruct-jobserver:8099",
    "environment_type": "PROCESS",
    "environment_config": '{"command":"/opt/apache/beam/xinstruct-worker"}',
    "parallelism": 2,
    "job_name": "xinstruct-generate",
}

with DAG(
    dag_id="xinstruct_generate_dataflow",
    schedule=SCHEDULE,
    start_date=START,
    catchup=False,
    max_active_runs=1,  # a late run and the next would ask for the same new documents at once
    tags=["xinstruct"],
):
    BeamRunGoPipelineOperator(
        task_id="generate",
        runner="DataflowRunner",
        launcher_binary=BINARY,
        worker_binary=BINARY,
        pipeline_options=DATAFLOW_OPTIONS,
        dataflow_config=DataflowConfiguration(job_name="xinstruct-generate", project_id=PROJECT, location=REGION),
    )

with DAG(
    dag_id="xinstruct_generate_flink",
    schedule=SCHEDULE,
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["xinstruct"],
):
    BeamRunGoPipelineOperator(
        task_id="generate",
        runner="FlinkRunner",
        launcher_binary=BINARY,
        worker_binary=BINARY,
        pipeline_options=FLINK_OPTIONS,
    )
