package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

// batchLost is the status AwaitBatch gives a batch the provider does not know: a
// manifest from another endpoint of the same URL, or the offline stand-in of another
// process (each serves its own batches).
const batchLost = "lost"

// batchEnded reports whether a batch with status will not change any more.
func batchEnded(status string) bool {
	switch status {
	case "completed", "failed", "expired", "cancelled", batchLost:
		return true
	}
	return false
}

// AwaitBatch polls job's batch, on Batch.Poll's schedule, until it ends (completed,
// failed, expired or cancelled), and returns it; after Batch.MaxWait, if set, a batch
// still running is an error (the job fails, and its re-run polls the batch again). It logs the batch's progress every few
// minutes. A batch the provider does not know ends as "lost": its requests are not
// answered, and fall back as failed ones do.
func (c *Client) AwaitBatch(ctx context.Context, job BatchJob) (openai.Batch, error) {
	start, logged := time.Now(), time.Now()
	for attempt := 1; ; attempt++ {
		resp, err := batchCall(ctx, c, "polling batch "+job.ID, c.cfg.Timeout, func(actx context.Context) (openai.BatchResponse, error) {
			return c.api.RetrieveBatch(actx, job.ID)
		})
		var callErr *batchCallError
		if errors.As(err, &callErr) && callErr.status == http.StatusNotFound {
			slog.Warn("llm batch: the provider does not know the batch; its requests fall back", "stage", job.Stage, "batch", job.ID)
			return openai.Batch{ID: job.ID, Status: batchLost}, nil
		}
		if err != nil {
			return openai.Batch{}, err
		}
		b := resp.Batch
		if batchEnded(b.Status) {
			slog.Info("llm batch: ended", "stage", job.Stage, "batch", b.ID, "status", b.Status, "completed", b.RequestCounts.Completed,
				"failed", b.RequestCounts.Failed, "total", b.RequestCounts.Total, "waited", time.Since(start).Round(time.Second))
			return b, nil
		}
		if w := c.cfg.Batch.MaxWait; w > 0 && time.Since(start) >= w {
			return openai.Batch{}, fmt.Errorf("llm: batch %s of stage %s is still %s after %v (%d of %d done); it stays recorded in %s: run the same job again later, and it polls the batch again instead of sending its requests twice",
				b.ID, job.Stage, b.Status, w, b.RequestCounts.Completed, b.RequestCounts.Total, c.manifestPath(batchesPending, job.Manifest))
		}
		if time.Since(logged) >= 5*time.Minute {
			slog.Info("llm batch: waiting", "stage", job.Stage, "batch", b.ID, "status", b.Status, "completed", b.RequestCounts.Completed,
				"total", b.RequestCounts.Total, "waited", time.Since(start).Round(time.Second))
			logged = time.Now()
		}
		if !sleepCtx(ctx, c.cfg.Batch.Poll.Delay(attempt, 0)) {
			return openai.Batch{}, ctx.Err()
		}
	}
}

// BatchOutcome is what became of one request of a harvested batch.
type BatchOutcome struct {
	Item             BatchJobItem
	Stored           bool // its answer is in the store
	PromptTokens     int  // as the provider counted them
	CompletionTokens int
	Cost             float64       // at the batch price
	Failure          *BatchFailure // why it has no answer, when not Stored
}

// batchLine is one line of a batch's output or error file.
type batchLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// HarvestBatch reads the ended batch b's output and error files and stores the answer
// to each of job's requests, as Chat would have stored it, before returning what became
// of each. Then, for a job that covers its whole batch, the batch's manifest moves to
// done/; the budget this process reserved for the batch and its answers did not spend
// is credited back.
func (c *Client) HarvestBatch(ctx context.Context, job BatchJob, b openai.Batch) ([]BatchOutcome, error) {
	out := make([]BatchOutcome, len(job.Items))
	at := make(map[string]int, len(job.Items))
	for i, it := range job.Items {
		out[i].Item = it
		at[it.Key] = i
	}
	seen := make([]bool, len(job.Items))
	var entries []store.Entry
	var entryOf []int // into out
	for _, file := range []*string{b.OutputFileID, b.ErrorFileID} {
		if file == nil || *file == "" {
			continue
		}
		data, err := batchCall(ctx, c, "downloading batch file "+*file, max(c.cfg.Timeout, 5*time.Minute), func(actx context.Context) ([]byte, error) {
			raw, err := c.api.GetFileContent(actx, *file)
			if err != nil {
				return nil, err
			}
			defer raw.Close()
			return io.ReadAll(raw)
		})
		if err != nil {
			return nil, err
		}
		for line := range bytes.Lines(data) {
			var l batchLine
			if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &l) != nil {
				continue // unreadable: its request counts as unanswered
			}
			i, ok := at[l.CustomID]
			if !ok || seen[i] {
				continue
			}
			seen[i] = true
			if e, f := c.batchAnswer(job, out[i].Item, l); f != nil {
				out[i].Failure = f
			} else {
				entries, entryOf = append(entries, e), append(entryOf, i)
			}
		}
	}
	if err := c.storeAll(ctx, entries); err != nil {
		return nil, err
	}
	for j, e := range entries {
		o := &out[entryOf[j]]
		o.Stored, o.PromptTokens, o.CompletionTokens = true, e.PromptTokens, e.CompletionTokens
		o.Cost = c.cfg.Batch.Price.Cost(e.PromptTokens, e.CompletionTokens)
	}
	failed := 0
	for i := range out {
		if !out[i].Stored && out[i].Failure == nil {
			out[i].Failure = &BatchFailure{Key: out[i].Item.Key, Reason: ReasonBatchFailed,
				Detail: fmt.Sprintf("batch %s ended %s without answering it%s", b.ID, b.Status, batchErrors(b))}
		}
		if out[i].Failure != nil {
			failed++
			out[i].Failure.Detail = c.redact.string(out[i].Failure.Detail)
		}
		if job.Submitted {
			c.budget.credit(job.ID, out[i].Item.Key, out[i].Stored, out[i].Cost)
		}
	}
	if err := c.finishManifest(ctx, job, b, len(out)-failed, failed); err != nil {
		return nil, err
	}
	return out, nil
}

// batchAnswer turns a batch's line for item into the entry to store, as Chat would
// store the same answer, or into why there is none.
func (c *Client) batchAnswer(job BatchJob, item BatchJobItem, l batchLine) (store.Entry, *BatchFailure) {
	fail := func(permanent bool, reason, detail string) (store.Entry, *BatchFailure) {
		return store.Entry{}, &BatchFailure{Key: item.Key, Reason: reason, Detail: fmt.Sprintf("batch %s: %s", job.ID, detail), Permanent: permanent}
	}
	switch {
	case l.Error != nil:
		return fail(false, ReasonBatchFailed, l.Error.Code+": "+l.Error.Message)
	case l.Response == nil:
		return fail(false, ReasonBatchFailed, "a line with neither a response nor an error")
	case l.Response.StatusCode != http.StatusOK:
		var body struct {
			Error struct {
				Message string `json:"message"`
				Code    any    `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(l.Response.Body, &body) //nolint:errcheck // an unreadable body leaves the status alone to classify
		code := ""
		if body.Error.Code != nil {
			code = fmt.Sprint(body.Error.Code)
		}
		transient, f := classifyStatus(l.Response.StatusCode, code, body.Error.Message)
		if transient || f == nil {
			return fail(false, ReasonBatchFailed, fmt.Sprintf("HTTP %d: %s", l.Response.StatusCode, body.Error.Message))
		}
		return fail(true, f.Reason, f.Detail)
	}
	var resp openai.ChatCompletionResponse
	if err := json.Unmarshal(l.Response.Body, &resp); err != nil {
		return fail(false, ReasonBatchFailed, "the answer is not a chat completion: "+err.Error())
	}
	if len(resp.Choices) == 0 {
		return fail(false, ReasonBatchFailed, "the answer has no choices")
	}
	e := c.entry(item.Key, item.Template, resp)
	if bad := unusableChat(e); bad != "" {
		// Chat would not trust it either: it asks again.
		return fail(false, ReasonBatchFailed, "unusable answer: "+bad)
	}
	return e, nil
}

// storeAll puts entries into the store, a few at a time: a GCS write takes tens of
// milliseconds, and a batch has thousands of answers.
func (c *Client) storeAll(ctx context.Context, entries []store.Entry) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, e := range entries {
		g.Go(func() error {
			if err := c.store.Put(gctx, e); err != nil {
				return fmt.Errorf("llm: writing the response store: %v", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// batchErrors quotes a failed batch's first error, for the failures' detail.
func batchErrors(b openai.Batch) string {
	if b.Errors == nil || len(b.Errors.Data) == 0 {
		return ""
	}
	e := b.Errors.Data[0]
	return fmt.Sprintf(" (%s: %s)", e.Code, e.Message)
}

// finishManifest records how job's batch ended. A job that covers the whole batch moves
// its manifest to done/; one that covers a part (a batch adopted by several groups of a
// resumed run) leaves it pending, for the others. A lost batch's manifest is removed:
// nobody can poll it.
func (c *Client) finishManifest(ctx context.Context, job BatchJob, b openai.Batch, answered, failed int) error {
	m, ok, err := readManifest(ctx, c.manifestPath(batchesPending, job.Manifest))
	if err != nil || !ok { // not ok: finished by another job of the batch, or an earlier attempt
		return err
	}
	if b.Status != batchLost && len(m.Keys) > len(job.Items) {
		return nil
	}
	m.State, m.Status, m.Answered, m.Failed, m.EndedAt = stateDone, b.Status, answered, failed, time.Now().UTC()
	if err := c.writeManifest(ctx, batchesDone, m); err != nil {
		return err
	}
	return c.removeManifest(ctx, batchesPending, m.Name)
}
