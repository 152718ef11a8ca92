package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	openai "github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// The manifests' folders below the response store.
const (
	batchesDir     = "_batches"
	batchesPending = "pending" // batches whose answers are not all stored yet
	batchesDone    = "done"    // batches whose answers are stored
)

// Manifest states.
const (
	// stateCreating: written before the upload; the batch may or may not exist. Its
	// metadata names the manifest, so a resumed run can find it (findBatch).
	stateCreating  = "creating"
	stateSubmitted = "submitted" // the provider named the batch
	stateDone      = "done"      // its answers are stored (in done/)
)

// batchMetaKey is the batch metadata field that names the batch's manifest.
const batchMetaKey = "xinstruct_manifest"

// batchManifest records one batch below the response store. It holds no secret: names,
// ids, keys (hashes), times and counts.
type batchManifest struct {
	Name        string    `json:"name"`
	Stage       string    `json:"stage"`
	Model       string    `json:"model"`
	Endpoint    string    `json:"endpoint"` // without query: gateways put keys there
	State       string    `json:"state"`
	BatchID     string    `json:"batch_id,omitempty"`
	InputFileID string    `json:"input_file_id,omitempty"`
	Keys        []string  `json:"keys"`
	CreatedAt   time.Time `json:"created_at"`
	// In done/ only: how the batch ended, and what became of its requests.
	Status   string    `json:"status,omitempty"`
	Answered int       `json:"answered,omitempty"`
	Failed   int       `json:"failed,omitempty"`
	EndedAt  time.Time `json:"ended_at,omitzero"`
}

// BatchJob is a batch the provider has, and the requests of one caller's items it
// answers: what AwaitBatch polls and HarvestBatch stores.
type BatchJob struct {
	ID       string         `json:"id"`       // the provider's batch id
	Manifest string         `json:"manifest"` // its manifest's name
	Stage    string         `json:"stage"`
	Items    []BatchJobItem `json:"items"`
	// Submitted says this attempt created the batch (it was not adopted from an earlier
	// one), so that its budget reservations may still be held in this process.
	Submitted bool `json:"submitted"`
}

// BatchJobItem is one request of a BatchJob.
type BatchJobItem struct {
	Key      string `json:"key"`
	Template string `json:"template"`
	Lang     string `json:"lang"`
}

func jobItem(it BatchItem) BatchJobItem {
	return BatchJobItem{Key: it.Key, Template: it.Template, Lang: it.Lang}
}

// BatchGroup names the part of a stage's misses that one SubmitBatches call covers:
// shard Shard of Shards, by a hash of their keys. Another shard of the same Shards holds
// other keys, so its manifests need not be read: on a large stage, every group would
// otherwise read every other group's manifests. The zero value says nothing, and every
// manifest of the stage is read.
type BatchGroup struct{ Shard, Shards int }

func (g BatchGroup) String() string {
	if g.Shards <= 0 {
		return "all"
	}
	return fmt.Sprintf("%dof%d", g.Shard, g.Shards)
}

// disjoint reports whether the group named name (a manifest's) is another shard of g's
// grouping, and so covers none of g's keys.
func (g BatchGroup) disjoint(name string) bool {
	var o BatchGroup
	if _, err := fmt.Sscanf(name, "%dof%d", &o.Shard, &o.Shards); err != nil || o.String() != name {
		return false
	}
	return g.Shards > 0 && o.Shards == g.Shards && o.Shard != g.Shard
}

// SubmitBatches makes sure that the provider has a batch for each of items (whose keys
// are distinct), group g of stage's misses: an item that a pending batch of an earlier
// attempt covers (a killed run, a retried bundle) joins that batch; the others are sent in new batches of at most
// Batch.MaxItems, each with a manifest written before its upload and again as soon as
// the provider names it. A new batch's items are reserved under the run's budget at the
// batch price first; items it refuses are not sent (the stage's online call is refused in
// turn, and dead-letters them). It returns the jobs to await, adopted ones first.
func (c *Client) SubmitBatches(ctx context.Context, stage string, g BatchGroup, items []BatchItem) ([]BatchJob, error) {
	jobs, rest, err := c.adoptPending(ctx, stage, g, items)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rest, func(a, b BatchItem) int { return strings.Compare(a.Key, b.Key) })
	for chunk := range slices.Chunk(rest, c.cfg.Batch.MaxItems) {
		job, ok, err := c.submit(ctx, stage, g, chunk)
		if err != nil {
			return nil, err
		}
		if ok {
			jobs = append(jobs, job)
		}
	}
	return jobs, nil
}

// adoptPending joins items to the pending batches of this store and endpoint that cover
// them, and returns the jobs and the items left.
func (c *Client) adoptPending(ctx context.Context, stage string, g BatchGroup, items []BatchItem) (jobs []BatchJob, rest []BatchItem, err error) {
	pending, err := c.pendingManifests(ctx, stage, g)
	if err != nil {
		return nil, nil, err
	}
	left := make(map[string]BatchItem, len(items))
	for _, it := range items {
		left[it.Key] = it
	}
	for _, m := range pending {
		var covered []BatchJobItem
		for _, k := range m.Keys {
			if it, ok := left[k]; ok {
				covered = append(covered, jobItem(it))
			}
		}
		if len(covered) == 0 {
			continue
		}
		if m.State == stateCreating {
			// Killed between the upload and writing the batch's id: the batch may exist.
			id, found, err := c.findBatch(ctx, m.Name, m.CreatedAt)
			if err != nil {
				return nil, nil, err
			}
			if !found {
				slog.Info("llm batch: an earlier attempt did not create its batch; sending its requests again", "stage", stage, "manifest", m.Name)
				if err := c.removeManifest(ctx, batchesPending, m.Name); err != nil {
					return nil, nil, err
				}
				continue
			}
			m.BatchID, m.State = id, stateSubmitted
			if err := c.writeManifest(ctx, batchesPending, m); err != nil {
				return nil, nil, err
			}
		}
		slog.Info("llm batch: polling a batch an earlier attempt created", "stage", stage, "batch", m.BatchID, "requests", len(covered))
		jobs = append(jobs, BatchJob{ID: m.BatchID, Manifest: m.Name, Stage: stage, Items: covered})
		for _, it := range covered {
			delete(left, it.Key)
		}
	}
	for _, it := range items {
		if _, ok := left[it.Key]; ok {
			rest = append(rest, it)
			delete(left, it.Key) // a repeated key is sent once
		}
	}
	return jobs, rest, nil
}

// submit sends items as one batch. ok is false when the budget refused them all.
func (c *Client) submit(ctx context.Context, stage string, g BatchGroup, items []BatchItem) (job BatchJob, ok bool, err error) {
	admitted, worst, err := c.reserveBatch(ctx, items)
	if err != nil {
		return BatchJob{}, false, err
	}
	if refused := len(items) - len(admitted); refused > 0 {
		slog.Warn("llm batch: the run's budget does not cover every request; the stage dead-letters those it refuses", "stage", stage, "refused", refused, "of", len(items))
	}
	if len(admitted) == 0 {
		return BatchJob{}, false, nil
	}
	sent := false
	defer func() {
		if !sent { // nothing was sent: the charges are given back
			var sum float64
			for _, w := range worst {
				sum += w
			}
			c.budget.unspend(int64(len(worst)), sum)
		}
	}()

	var input bytes.Buffer
	m := batchManifest{Stage: stage, Model: c.cfg.Model, Endpoint: redactedURL(c.endpoint()), State: stateCreating, CreatedAt: time.Now().UTC()}
	for _, it := range admitted {
		input.Write(it.Line)
		input.WriteByte('\n')
		m.Keys = append(m.Keys, it.Key)
	}
	m.Name = manifestName(stage, g, m.Keys)
	// The intent first: a run killed after the provider created the batch finds it by
	// the name in its metadata.
	if err := c.writeManifest(ctx, batchesPending, m); err != nil {
		return BatchJob{}, false, err
	}
	file, err := batchCall(ctx, c, "uploading a batch's requests", max(c.cfg.Timeout, 5*time.Minute), func(actx context.Context) (openai.File, error) {
		return c.api.CreateFileBytes(actx, openai.FileBytesRequest{Name: m.Name + ".jsonl", Bytes: input.Bytes(), Purpose: openai.PurposeBatch})
	})
	if err != nil {
		return BatchJob{}, false, err
	}
	m.InputFileID = file.ID
	id, err := c.createBatch(ctx, m)
	if err != nil {
		return BatchJob{}, false, err
	}
	// Charged at its worst case until its answers come (HarvestBatch credits the rest
	// back, in this process).
	for i, it := range admitted {
		c.budget.hold(id, it.Key, worst[i])
	}
	sent = true
	m.BatchID, m.State = id, stateSubmitted
	if err := c.writeManifest(ctx, batchesPending, m); err != nil {
		return BatchJob{}, false, err
	}
	slog.Info("llm batch: submitted", "stage", stage, "batch", id, "requests", len(admitted))
	job = BatchJob{ID: id, Manifest: m.Name, Stage: stage, Submitted: true}
	for _, it := range admitted {
		job.Items = append(job.Items, jobItem(it))
	}
	return job, true, nil
}

// reserveBatch charges each item's worst case at the batch price to the budget, and
// returns the items it admitted with their charges. Each reservation is settled at once,
// at its worst: a reservation left open would make the next one wait for it to settle,
// and this goroutine is the one that would settle it.
func (c *Client) reserveBatch(ctx context.Context, items []BatchItem) (admitted []BatchItem, worst []float64, err error) {
	for _, it := range items {
		w := c.cfg.Batch.Price.Cost(it.PromptTokens, c.cfg.Sampling.MaxTokens)
		if err := c.budget.reserve(ctx, w); err != nil {
			if _, refused := AsFailure(err); refused {
				continue
			}
			var sum float64
			for _, w := range worst {
				sum += w
			}
			c.budget.unspend(int64(len(worst)), sum)
			return nil, nil, err
		}
		c.budget.settle(w, w)
		admitted, worst = append(admitted, it), append(worst, w)
	}
	return admitted, worst, nil
}

// createBatch creates the batch of m's uploaded file. A create whose answer was lost may
// have created the batch: before asking again it looks for it.
func (c *Client) createBatch(ctx context.Context, m batchManifest) (string, error) {
	req := openai.CreateBatchRequest{InputFileID: m.InputFileID, Endpoint: openai.BatchEndpointChatCompletions,
		CompletionWindow: batchWindow, Metadata: map[string]any{batchMetaKey: m.Name, "stage": m.Stage}}
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		actx, retryAfter := withRetryAfterSlot(actx)
		b, err := c.api.CreateBatch(actx, req)
		cancel()
		if err == nil {
			return b.ID, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if transient, _ := classify(err); !transient || attempt >= c.cfg.MaxRetries {
			return "", c.redact.error(fmt.Errorf("llm: creating a batch at %s: %w", redactedURL(c.endpoint()), err))
		}
		if id, found, ferr := c.findBatch(ctx, m.Name, m.CreatedAt); ferr == nil && found {
			return id, nil
		}
		if !sleepCtx(ctx, c.cfg.Backoff.Delay(attempt+1, *retryAfter)) {
			return "", ctx.Err()
		}
	}
}

// findBatch looks among the provider's batches, newest first, for the one whose
// metadata names the manifest name, created no earlier than about since.
func (c *Client) findBatch(ctx context.Context, name string, since time.Time) (id string, found bool, err error) {
	limit := 100
	var after *string
	for range 50 { // 5,000 batches back: far more than a run creates in the hour it looks back
		page, err := batchCall(ctx, c, "listing batches", c.cfg.Timeout, func(actx context.Context) (openai.ListBatchResponse, error) {
			return c.api.ListBatch(actx, after, &limit)
		})
		if err != nil {
			return "", false, err
		}
		for _, b := range page.Data {
			if v, ok := b.Metadata[batchMetaKey]; ok && fmt.Sprint(v) == name {
				return b.ID, true, nil
			}
			if time.Unix(int64(b.CreatedAt), 0).Before(since.Add(-time.Hour)) {
				return "", false, nil // older than the manifest: it cannot be there
			}
		}
		if !page.HasMore || page.LastID == "" {
			return "", false, nil
		}
		last := page.LastID
		after = &last
	}
	return "", false, nil
}

// manifestName names a batch's manifest by its stage, its group and the hash of its
// keys: <stage>.<group>.<hash> (stage names hold no dot).
func manifestName(stage string, g BatchGroup, keys []string) string {
	h := sha256.New()
	for _, k := range keys {
		io.WriteString(h, k)
		h.Write([]byte{0})
	}
	return stage + "." + g.String() + "." + hex.EncodeToString(h.Sum(nil))[:20]
}

func (c *Client) manifestPath(state, name string) string {
	return fsx.Join(c.cfg.Store, batchesDir, state, name+".json")
}

// writeManifest writes m whole or not at all: locally through a temporary file and a
// rename (with os calls, as the store: Beam's local filesystem need not be registered),
// on GCS as one object.
func (c *Client) writeManifest(ctx context.Context, state string, m batchManifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	p := c.manifestPath(state, m.Name)
	if fsx.IsLocal(p) {
		err = writeLocalAtomic(p, append(data, '\n'))
	} else {
		err = withFS(ctx, p, func(fsys filesystem.Interface) error { return fsx.WriteFile(ctx, fsys, p, append(data, '\n')) })
	}
	if err != nil {
		return fmt.Errorf("llm: writing batch manifest %s: %v", p, err)
	}
	return nil
}

func writeLocalAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func withFS(ctx context.Context, p string, f func(filesystem.Interface) error) error {
	fsys, err := fsx.Open(ctx, p)
	if err != nil {
		return err
	}
	defer fsys.Close()
	return f(fsys)
}

func (c *Client) removeManifest(ctx context.Context, state, name string) error {
	p := c.manifestPath(state, name)
	var err error
	if fsx.IsLocal(p) {
		if err = os.Remove(p); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	} else {
		err = withFS(ctx, p, func(fsys filesystem.Interface) error { return fsx.Remove(ctx, fsys, p) })
	}
	if err != nil {
		return fmt.Errorf("llm: removing batch manifest %s: %v", p, err)
	}
	return nil
}

// readManifest reads a manifest; ok is false when there is none.
func readManifest(ctx context.Context, p string) (m batchManifest, ok bool, err error) {
	var data []byte
	if fsx.IsLocal(p) {
		data, err = os.ReadFile(p)
	} else {
		data, err = fsx.ReadFile(ctx, p)
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrObjectNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("llm: reading batch manifest %s: %v", p, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, false, fmt.Errorf("llm: batch manifest %s is not a manifest (%v): move it aside", p, err)
	}
	return m, true, nil
}

// pendingManifests reads the manifests of the batches in progress at this store's
// endpoint (another endpoint does not know their ids) that may cover group g of stage's
// keys, by name: not those of other stages, nor of other shards of g's grouping.
func (c *Client) pendingManifests(ctx context.Context, stage string, g BatchGroup) ([]batchManifest, error) {
	dir := fsx.Join(c.cfg.Store, batchesDir, batchesPending)
	var names []string
	var err error
	if fsx.IsLocal(dir) {
		names, err = filepath.Glob(filepath.Join(dir, "*.json"))
	} else {
		err = withFS(ctx, dir, func(fsys filesystem.Interface) (err error) {
			names, err = fsys.List(ctx, fsx.Join(dir, "*.json"))
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("llm: listing batch manifests in %s: %v", dir, err)
	}
	slices.Sort(names)
	endpoint := redactedURL(c.endpoint())
	var out []batchManifest
	for _, p := range names {
		parts := strings.Split(strings.TrimSuffix(path.Base(filepath.ToSlash(p)), ".json"), ".")
		if len(parts) == 3 && (parts[0] != stage || g.disjoint(parts[1])) {
			continue
		}
		m, ok, err := readManifest(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok && m.Endpoint == endpoint && m.Model == c.cfg.Model {
			out = append(out, m)
		}
	}
	return out, nil
}

// batchCall makes one call of the Batch API's files and batches, retrying transient
// failures with the client's backoff (at most MaxRetries times); timeout bounds each
// attempt. The error is redacted; errors.Is still sees what it wraps.
func batchCall[T any](ctx context.Context, c *Client, what string, timeout time.Duration, call func(context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		actx, retryAfter := withRetryAfterSlot(actx)
		v, err := call(actx)
		cancel()
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
		if transient, _ := classify(err); !transient || attempt >= c.cfg.MaxRetries {
			return v, &batchCallError{what: what, status: statusOf(err), err: c.redact.error(err)}
		}
		if !sleepCtx(ctx, c.cfg.Backoff.Delay(attempt+1, *retryAfter)) {
			return v, ctx.Err()
		}
	}
}

// batchCallError is a failed call of the Batch API, with its HTTP status (0: none).
type batchCallError struct {
	what   string
	status int
	err    error
}

func (e *batchCallError) Error() string { return "llm: " + e.what + ": " + e.err.Error() }
func (e *batchCallError) Unwrap() error { return e.err }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
