package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "responses")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(ctx, filepath.Join(dir, "cache")) // or "gs://bucket/prefix"
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The caller derives the key from everything that determines the answer.
	h := sha256.Sum256([]byte(`{"model":"m","template":"answer@1","messages":[...]}`))
	key := hex.EncodeToString(h[:])

	if _, ok, err := s.Get(ctx, key); err != nil {
		log.Fatal(err)
	} else if !ok {
		// ... call the model, then store the answer before using it:
		e := store.Entry{Key: key, Model: "m", Template: "answer@1", Content: []string{"42"},
			FinishReason: []string{"stop"}, CreatedAt: time.Now().UTC()}
		if err := s.Put(ctx, e); err != nil {
			log.Fatal(err)
		}
	}
	e, ok, err := s.Get(ctx, key)
	fmt.Println(e.Content, ok, err)
	n, _ := store.Count(ctx, filepath.Join(dir, "cache"))
	fmt.Println(n, "entry")
	// Output:
	// [42] true <nil>
	// 1 entry
}
