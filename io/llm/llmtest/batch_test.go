package llmtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// uploadBatch uploads reqs as a batch's input file and creates the batch.
func uploadBatch(t *testing.T, c *openai.Client, reqs map[string]openai.ChatCompletionRequest) openai.Batch {
	t.Helper()
	var up openai.UploadBatchFileRequest
	for id, r := range reqs {
		up.AddChatCompletion(id, r)
	}
	b, err := c.CreateBatchWithUploadFile(ctx(t), openai.CreateBatchWithUploadFileRequest{Endpoint: openai.BatchEndpointChatCompletions,
		UploadBatchFileRequest: up, Metadata: map[string]any{"name": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return b.Batch
}

type outputLine struct {
	CustomID string `json:"custom_id"`
	Response struct {
		StatusCode int                           `json:"status_code"`
		Body       openai.ChatCompletionResponse `json:"body"`
	} `json:"response"`
}

func readLines(t *testing.T, c *openai.Client, id *string) map[string]outputLine {
	t.Helper()
	out := map[string]outputLine{}
	if id == nil {
		return out
	}
	raw, err := c.GetFileContent(ctx(t), *id)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	data, _ := io.ReadAll(raw)
	for l := range bytes.Lines(data) {
		var o outputLine
		if err := json.Unmarshal(l, &o); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		out[o.CustomID] = o
	}
	return out
}

// TestBatchAnswersAsOnline: a batch is in progress until BatchDelay has passed, then
// its output file holds, for every request, the very answer the online endpoint gives
// the same body; BatchItemFailureRate of them are 500s in the error file instead, the
// same ones in every batch; the server counts batches and items apart from online calls.
func TestBatchAnswersAsOnline(t *testing.T) {
	srv, c := start(t, llmtest.Options{BatchDelay: 50 * time.Millisecond, BatchItemFailureRate: 0.25, Seed: 1})
	reqs := map[string]openai.ChatCompletionRequest{}
	for i := range 40 {
		reqs[fmt.Sprintf("req-%02d", i)] = generation("sw", fmt.Sprintf("Wakulima wa kijiji namba %d hupanda mahindi.", i))
	}
	b := uploadBatch(t, c, reqs)
	if b.Status != "validating" || b.RequestCounts.Total != 40 {
		t.Fatalf("new batch: %+v", b)
	}
	got, err := c.RetrieveBatch(ctx(t), b.ID)
	if err != nil || got.Status != "in_progress" || got.OutputFileID != nil {
		t.Fatalf("before its delay: %+v %v", got.Batch, err)
	}
	time.Sleep(60 * time.Millisecond)
	got, err = c.RetrieveBatch(ctx(t), b.ID)
	if err != nil || got.Status != "completed" || got.OutputFileID == nil || got.ErrorFileID == nil {
		t.Fatalf("after its delay: %+v %v", got.Batch, err)
	}
	ok, failed := readLines(t, c, got.OutputFileID), readLines(t, c, got.ErrorFileID)
	if len(ok)+len(failed) != 40 || len(failed) < 4 || len(failed) > 18 || got.RequestCounts.Failed != len(failed) {
		t.Fatalf("%d answered, %d failed (counts %+v); want 40 with about a quarter failed", len(ok), len(failed), got.RequestCounts)
	}
	for id, f := range failed {
		if f.Response.StatusCode != 500 {
			t.Errorf("%s: status %d in the error file", id, f.Response.StatusCode)
		}
	}
	st := srv.Stats()
	if st.Batches != 1 || st.Files != 1 || st.BatchItems != 40 || st.BatchItemFailures != int64(len(failed)) || st.ChatRequests != 0 || st.Completed != 0 {
		t.Errorf("stats after the batch: %+v", st)
	}
	for id, o := range ok {
		online, err := c.CreateChatCompletion(ctx(t), reqs[id])
		if err != nil {
			t.Fatal(err)
		}
		if o.Response.StatusCode != 200 || o.Response.Body.Choices[0].Message.Content != online.Choices[0].Message.Content ||
			o.Response.Body.Usage != online.Usage {
			t.Errorf("%s: batch answer %+v, online %+v", id, o.Response.Body, online)
		}
	}
	// The same requests again: the same ones fail.
	again, _ := c.RetrieveBatch(ctx(t), uploadBatch(t, c, reqs).ID)
	time.Sleep(60 * time.Millisecond)
	again, _ = c.RetrieveBatch(ctx(t), again.ID)
	if f := readLines(t, c, again.ErrorFileID); len(f) != len(failed) {
		t.Errorf("the second batch failed %d requests, the first %d", len(f), len(failed))
	}
	for id := range readLines(t, c, again.ErrorFileID) {
		if _, ok := failed[id]; !ok {
			t.Errorf("%s failed only in the second batch", id)
		}
	}
}

// TestBatchLifecycle: a cancelled batch ends with no answers; a file with a bad line
// fails the batch at creation; listing pages newest first; unknown ids are 404s.
func TestBatchLifecycle(t *testing.T) {
	_, c := start(t, llmtest.Options{BatchDelay: time.Hour})
	one := map[string]openai.ChatCompletionRequest{"a": generation("fi", "Kirjasto on auki.")}
	b := uploadBatch(t, c, one)
	cancelled, err := c.CancelBatch(ctx(t), b.ID)
	if err != nil || cancelled.Status != "cancelled" || cancelled.OutputFileID != nil {
		t.Fatalf("cancel: %+v %v", cancelled.Batch, err)
	}

	bad, err := c.CreateFileBytes(ctx(t), openai.FileBytesRequest{Name: "bad.jsonl", Purpose: openai.PurposeBatch,
		Bytes: []byte(`{"custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{}}` + "\n" +
			`{"custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{}}` + "\nnot json\n")})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := c.CreateBatch(ctx(t), openai.CreateBatchRequest{InputFileID: bad.ID, Endpoint: openai.BatchEndpointChatCompletions})
	if err != nil || failed.Status != "failed" || failed.Errors == nil || len(failed.Errors.Data) != 2 {
		t.Fatalf("a file with a repeated custom_id and a bad line: %+v %v", failed.Batch, err)
	}

	var ids []string
	for range 3 {
		ids = append(ids, uploadBatch(t, c, one).ID)
	}
	limit := 2
	page, err := c.ListBatch(ctx(t), nil, &limit)
	if err != nil || len(page.Data) != 2 || page.Data[0].ID != ids[2] || page.Data[1].ID != ids[1] || !page.HasMore {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = c.ListBatch(ctx(t), &page.LastID, &limit)
	if err != nil || len(page.Data) != 2 || page.Data[0].ID != ids[0] || page.Data[1].ID != failed.ID {
		t.Fatalf("second page: %+v %v", page, err)
	}
	if _, err := c.RetrieveBatch(ctx(t), "batch_nowhere"); !isStatus(err, 404) {
		t.Errorf("an unknown batch: %v", err)
	}
	if _, err := c.GetFileContent(ctx(t), "file-nowhere"); !isStatus(err, 404) {
		t.Errorf("an unknown file: %v", err)
	}
}

func isStatus(err error, status int) bool {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatusCode == status
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode == status
	}
	return false
}
