package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Batch API: files uploaded with purpose "batch" hold one request a line; a batch
// answers them after Options.BatchDelay, each as the online endpoint would, into an
// output file (200s) and an error file (the rest). See "Batches" in the package
// documentation.

// fakeFile is an uploaded or generated file.
type fakeFile struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	Bytes     int    `json:"bytes"`
	CreatedAt int64  `json:"created_at"`
	FileName  string `json:"filename"`
	Purpose   string `json:"purpose"`
	Status    string `json:"status"`
	data      []byte
}

// fakeBatch is a batch, in the API's shape.
type fakeBatch struct {
	ID               string         `json:"id"`
	Object           string         `json:"object"`
	Endpoint         string         `json:"endpoint"`
	Errors           *batchErrors   `json:"errors"`
	InputFileID      string         `json:"input_file_id"`
	CompletionWindow string         `json:"completion_window"`
	Status           string         `json:"status"`
	OutputFileID     *string        `json:"output_file_id"`
	ErrorFileID      *string        `json:"error_file_id"`
	CreatedAt        int64          `json:"created_at"`
	InProgressAt     *int64         `json:"in_progress_at"`
	ExpiresAt        *int64         `json:"expires_at"`
	CompletedAt      *int64         `json:"completed_at"`
	FailedAt         *int64         `json:"failed_at"`
	CancelledAt      *int64         `json:"cancelled_at"`
	RequestCounts    requestCounts  `json:"request_counts"`
	Metadata         map[string]any `json:"metadata"`

	created time.Time
	lines   []batchInputLine // parsed at creation
}

type batchErrors struct {
	Object string       `json:"object"`
	Data   []batchError `json:"data"`
}

type batchError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    *int   `json:"line,omitempty"`
}

type requestCounts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

type batchInputLine struct {
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

type batchOutputLine struct {
	ID       string         `json:"id"`
	CustomID string         `json:"custom_id"`
	Response *batchResponse `json:"response"`
	Error    *batchError    `json:"error"`
}

type batchResponse struct {
	StatusCode int             `json:"status_code"`
	RequestID  string          `json:"request_id"`
	Body       json.RawMessage `json:"body"`
}

// batchRoute returns the handler of a files or batches request, or false.
func (s *Server) batchRoute(r *http.Request, p string) (func(*http.Request, []byte, ErrorKind) answer, bool) {
	rest, isFiles := strings.CutPrefix(p, "/v1/files")
	if !isFiles {
		if rest, ok := strings.CutPrefix(p, "/v1/batches"); ok {
			return s.batchesRoute(r.Method, rest)
		}
		return nil, false
	}
	id, content := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/content")
	switch {
	case rest == "" && r.Method == http.MethodPost:
		return s.uploadFile, true
	case id != "" && !strings.Contains(id, "/") && r.Method == http.MethodGet:
		return func(r *http.Request, _ []byte, _ ErrorKind) answer { return s.getFile(r, id, content) }, true
	case id != "" && !strings.Contains(id, "/") && !content && r.Method == http.MethodDelete:
		return func(r *http.Request, _ []byte, _ ErrorKind) answer { return s.deleteFile(r, id) }, true
	}
	return nil, false
}

func (s *Server) batchesRoute(method, rest string) (func(*http.Request, []byte, ErrorKind) answer, bool) {
	id, cancel := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/cancel")
	switch {
	case rest == "" && method == http.MethodPost:
		return s.createBatch, true
	case rest == "" && method == http.MethodGet:
		return s.listBatches, true
	case id != "" && !strings.Contains(id, "/") && !cancel && method == http.MethodGet:
		return func(r *http.Request, _ []byte, _ ErrorKind) answer { return s.retrieveBatch(r, id) }, true
	case id != "" && !strings.Contains(id, "/") && cancel && method == http.MethodPost:
		return func(r *http.Request, _ []byte, _ ErrorKind) answer { return s.cancelBatch(r, id) }, true
	}
	return nil, false
}

func (s *Server) uploadFile(r *http.Request, body []byte, _ ErrorKind) answer {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return badRequest("", "fakellm: a file upload must be multipart/form-data")
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxBody)
	if err != nil {
		return badRequest("", "fakellm: reading the multipart form: %v", err)
	}
	defer form.RemoveAll() //nolint:errcheck // temporary files of a large form, if any
	purpose := first(form.Value["purpose"])
	if purpose == "" {
		return badRequest("purpose", "Missing required parameter: 'purpose'.")
	}
	fhs := form.File["file"]
	if len(fhs) == 0 {
		return badRequest("file", "Missing required parameter: 'file'.")
	}
	f, err := fhs[0].Open()
	if err != nil {
		return badRequest("file", "fakellm: %v", err)
	}
	defer f.Close()
	var data bytes.Buffer
	if _, err := data.ReadFrom(f); err != nil {
		return badRequest("file", "fakellm: %v", err)
	}
	ff := s.addFile(fhs[0].Filename, purpose, data.Bytes())
	return jsonAnswer(ff)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// addFile stores a file and returns its metadata.
func (s *Server) addFile(name, purpose string, data []byte) fakeFile {
	f := &fakeFile{ID: fmt.Sprintf("file-fakellm%06d", s.ids.Add(1)), Object: "file", Bytes: len(data),
		CreatedAt: time.Now().Unix(), FileName: name, Purpose: purpose, Status: "processed", data: data}
	s.bmu.Lock()
	s.files[f.ID] = f
	s.bmu.Unlock()
	if purpose == "batch" {
		s.mu.Lock()
		s.stats.Files++
		s.mu.Unlock()
	}
	return *f
}

func (s *Server) getFile(_ *http.Request, id string, content bool) answer {
	s.bmu.Lock()
	f, ok := s.files[id]
	s.bmu.Unlock()
	if !ok {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "id", "", fmt.Sprintf("No such File object: %s", id))
	}
	if content {
		return answer{status: http.StatusOK, body: f.data}
	}
	return jsonAnswer(f)
}

func (s *Server) deleteFile(_ *http.Request, id string) answer {
	s.bmu.Lock()
	_, ok := s.files[id]
	delete(s.files, id)
	s.bmu.Unlock()
	if !ok {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "id", "", fmt.Sprintf("No such File object: %s", id))
	}
	return jsonAnswer(map[string]any{"id": id, "object": "file", "deleted": true})
}

func (s *Server) createBatch(_ *http.Request, body []byte, _ ErrorKind) answer {
	var req struct {
		InputFileID      string         `json:"input_file_id"`
		Endpoint         string         `json:"endpoint"`
		CompletionWindow string         `json:"completion_window"`
		Metadata         map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("", "We could not parse the JSON body of your request. %v", err)
	}
	switch {
	case req.Endpoint != "/v1/chat/completions" && req.Endpoint != "/v1/embeddings":
		return badRequest("endpoint", "Invalid value: '%s'. Supported values are: '/v1/chat/completions' and '/v1/embeddings'.", req.Endpoint)
	case req.CompletionWindow != "24h":
		return badRequest("completion_window", "Invalid value: '%s'. Supported values are: '24h'.", req.CompletionWindow)
	}
	s.bmu.Lock()
	defer s.bmu.Unlock()
	in, ok := s.files[req.InputFileID]
	if !ok {
		return badRequest("input_file_id", "Invalid 'input_file_id': '%s'. File not found.", req.InputFileID)
	}
	if in.Purpose != "batch" {
		return badRequest("input_file_id", "The input file's purpose must be 'batch', not '%s'.", in.Purpose)
	}
	now := time.Now()
	expires := now.Add(24 * time.Hour).Unix()
	b := &fakeBatch{ID: fmt.Sprintf("batch_fakellm%06d", s.ids.Add(1)), Object: "batch", Endpoint: req.Endpoint,
		InputFileID: in.ID, CompletionWindow: req.CompletionWindow, Status: "validating", CreatedAt: now.Unix(),
		ExpiresAt: &expires, Metadata: req.Metadata, created: now}
	b.lines, b.Errors = parseBatchFile(in.data, req.Endpoint)
	b.RequestCounts.Total = len(b.lines)
	if b.Errors != nil {
		b.Status, b.FailedAt = "failed", &b.CreatedAt
	}
	s.batches[b.ID] = b
	s.batchOrder = append(s.batchOrder, b.ID)
	s.mu.Lock()
	s.stats.Batches++
	s.mu.Unlock()
	return jsonAnswer(b)
}

// parseBatchFile reads a batch's input file as the API validates it: every line a
// request to the batch's endpoint with a custom_id of its own.
func parseBatchFile(data []byte, endpoint string) ([]batchInputLine, *batchErrors) {
	var lines []batchInputLine
	var errs []batchError
	seen := map[string]bool{}
	n := 0
	for raw := range bytes.Lines(data) {
		n++
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		at := n
		var l batchInputLine
		switch err := json.Unmarshal(raw, &l); {
		case err != nil:
			errs = append(errs, batchError{Code: "invalid_json_line", Message: fmt.Sprintf("This line is not parseable as valid JSON: %v", err), Line: &at})
		case l.CustomID == "":
			errs = append(errs, batchError{Code: "missing_required_parameter", Message: "Missing required parameter: 'custom_id'.", Line: &at})
		case seen[l.CustomID]:
			errs = append(errs, batchError{Code: "duplicate_custom_id", Message: fmt.Sprintf("The custom_id for this request is a duplicate of another request: %s", l.CustomID), Line: &at})
		case l.URL != endpoint:
			errs = append(errs, batchError{Code: "mismatched_endpoint", Message: fmt.Sprintf("The provided URL '%s' does not match the batch endpoint '%s'.", l.URL, endpoint), Line: &at})
		case l.Method != http.MethodPost:
			errs = append(errs, batchError{Code: "invalid_method", Message: "The only supported method is POST.", Line: &at})
		default:
			seen[l.CustomID] = true
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 && len(errs) == 0 {
		errs = append(errs, batchError{Code: "empty_file", Message: "The batch input file is empty."})
	}
	if len(errs) > 0 {
		return lines, &batchErrors{Object: "list", Data: errs}
	}
	return lines, nil
}

func (s *Server) retrieveBatch(_ *http.Request, id string) answer {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	b, ok := s.batches[id]
	if !ok {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "batch_id", "", fmt.Sprintf("No batch found with id '%s'.", id))
	}
	s.advance(b)
	return jsonAnswer(b)
}

// advance moves b on by the clock: in progress once created, answered once BatchDelay
// has passed. The answers are made when the batch is first seen after that.
func (s *Server) advance(b *fakeBatch) {
	if b.Status == "validating" {
		t := b.created.Unix()
		b.Status, b.InProgressAt = "in_progress", &t
	}
	if b.Status != "in_progress" || time.Since(b.created) < s.opts.BatchDelay {
		return
	}
	var out, errs bytes.Buffer
	for _, l := range b.lines {
		line, ok := s.answerBatchLine(b, l)
		enc, _ := json.Marshal(line)
		if ok {
			b.RequestCounts.Completed++
			out.Write(append(enc, '\n'))
		} else {
			b.RequestCounts.Failed++
			errs.Write(append(enc, '\n'))
		}
	}
	if out.Len() > 0 {
		id := s.addFileLocked("batch_output_"+b.ID+".jsonl", out.Bytes())
		b.OutputFileID = &id
	}
	if errs.Len() > 0 {
		id := s.addFileLocked("batch_errors_"+b.ID+".jsonl", errs.Bytes())
		b.ErrorFileID = &id
	}
	now := time.Now().Unix()
	b.Status, b.CompletedAt = "completed", &now
}

// addFileLocked is addFile for a batch's output, with bmu held.
func (s *Server) addFileLocked(name string, data []byte) string {
	f := &fakeFile{ID: fmt.Sprintf("file-fakellm%06d", s.ids.Add(1)), Object: "file", Bytes: len(data),
		CreatedAt: time.Now().Unix(), FileName: name, Purpose: "batch_output", Status: "processed", data: data}
	s.files[f.ID] = f
	return f.ID
}

// answerBatchLine answers one request of a batch as the online endpoint would, or,
// for Options.BatchItemFailureRate of them (drawn by the custom_id and Seed), with a
// 500. ok says the line goes to the output file rather than the error file.
func (s *Server) answerBatchLine(b *fakeBatch, l batchInputLine) (line batchOutputLine, ok bool) {
	line = batchOutputLine{ID: "batch_req_" + l.CustomID, CustomID: l.CustomID}
	h := fnv.New64a()
	h.Write([]byte(l.CustomID))
	var a answer
	if unit(mix(s.opts.Seed^mix(h.Sum64()^0x6261746368))) < s.opts.BatchItemFailureRate { // "batch"
		a = serverError()
	} else if b.Endpoint == "/v1/embeddings" {
		a = s.embeddings(nil, l.Body, "")
	} else {
		a = s.chat(nil, l.Body, "")
	}
	line.Response = &batchResponse{StatusCode: a.status, RequestID: "req_fakellm" + strconv.FormatUint(s.ids.Add(1), 10), Body: a.body}
	s.mu.Lock()
	s.stats.BatchItems++
	s.stats.BatchItemsByID[l.CustomID]++
	if a.status != http.StatusOK {
		s.stats.BatchItemFailures++
	}
	s.mu.Unlock()
	return line, a.status == http.StatusOK
}

func (s *Server) cancelBatch(_ *http.Request, id string) answer {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	b, ok := s.batches[id]
	if !ok {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "batch_id", "", fmt.Sprintf("No batch found with id '%s'.", id))
	}
	s.advance(b)
	switch b.Status {
	case "validating", "in_progress":
		now := time.Now().Unix()
		b.Status, b.CancelledAt = "cancelled", &now
	case "cancelled":
	default:
		return errorAnswer(http.StatusConflict, "invalid_request_error", "", "", fmt.Sprintf("Cannot cancel a batch with status '%s'.", b.Status))
	}
	return jsonAnswer(b)
}

// listBatches lists the batches newest first, limit (default 20, at most 100) after the
// one named by "after".
func (s *Server) listBatches(r *http.Request, _ []byte, _ ErrorKind) answer {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("limit", "Invalid 'limit': %q; it must be between 1 and 100.", v)
		}
		limit = n
	}
	after := r.URL.Query().Get("after")
	s.bmu.Lock()
	defer s.bmu.Unlock()
	ids := append([]string(nil), s.batchOrder...) // newest first:
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	start := 0
	if after != "" {
		start = len(ids)
		for i, id := range ids {
			if id == after {
				start = i + 1
				break
			}
		}
	}
	page := []*fakeBatch{}
	for _, id := range ids[start:min(len(ids), start+limit)] {
		b := s.batches[id]
		s.advance(b)
		page = append(page, b)
	}
	resp := map[string]any{"object": "list", "data": page, "has_more": start+limit < len(ids)}
	if len(page) > 0 {
		resp["first_id"], resp["last_id"] = page[0].ID, page[len(page)-1].ID
	}
	return jsonAnswer(resp)
}
