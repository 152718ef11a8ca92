#!/usr/bin/env bash
# Schedules the generate Flex Template as a Dataflow Data Pipeline: a batch job at 03:00 UTC
# on the first of every month, launched by Google's scheduler with the same parameters each
# time. Each run reads the corpus glob as it is then, writes under an output prefix named
# by its scheduled date (Data Pipelines replaces %Y, %m and %d in the parameters with the
# run's scheduled time), and uses the same response store, so that it pays only for what
# changed since the last run. A dated output holds that run's version only (versions/,
# LATEST); compare two months with cmd/xinstruct-diff --from=<one output> --to=<another>.
# README.md, "Schedule it", says what to set up first.
#
#   PROJECT=... REGION=... BUCKET=... SA=... KEY_REF=... runners/dataflow/schedule-generate.sh
#
# Environment: PROJECT, REGION, BUCKET, SA (the workers' service account), KEY_REF (the
# API key's Secret Manager version), as in README.md; SCHEDULER_SA (the account the
# scheduler runs the pipeline as; default $SA), NAME (xinstruct-generate-monthly),
# SCHEDULE ("0 3 1 * *"), CORPUS (gs://$BUCKET/corpus/*.jsonl.gz), MODEL (gpt-4o-mini).
set -euo pipefail
: "${PROJECT:?}" "${REGION:?}" "${BUCKET:?}" "${SA:?}" "${KEY_REF:?}"
SCHEDULER_SA=${SCHEDULER_SA:-$SA}
NAME=${NAME:-xinstruct-generate-monthly}
SCHEDULE=${SCHEDULE:-0 3 1 * *}
CORPUS=${CORPUS:-gs://$BUCKET/corpus/*.jsonl.gz}
MODEL=${MODEL:-gpt-4o-mini}

# Values with commas (price) need gcloud's other delimiter: ^~^ first, then ~ between the
# parameters (gcloud topic escaping).
gcloud beta datapipelines pipeline create "$NAME" \
  --project="$PROJECT" --region="$REGION" --pipeline-type=BATCH \
  --display-name="xinstruct generate, monthly" \
  --schedule="$SCHEDULE" --time-zone=UTC --scheduler-service-account-email="$SCHEDULER_SA" \
  --template-file-gcs-location="gs://$BUCKET/templates/generate.json" \
  --dataflow-service-account-email="$SA" --temp-location="gs://$BUCKET/tmp" \
  --num-workers=4 --max-workers=20 --worker-machine-type=n2-standard-4 \
  --parameters="^~^input=$CORPUS~output=gs://$BUCKET/xinstruct/generate/%Y-%m-%d~response_store=gs://$BUCKET/xinstruct/responses~api_key_secret=$KEY_REF~llm_base_url=https://api.openai.com/v1~generator_model=$MODEL~price=0.15,0.60~max_in_flight=16~keep_versions=1~sdk_container_image=apache/beam_go_sdk:2.77.0"
