package llmtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

func Example() {
	s := llmtest.New(llmtest.Options{})
	base, err := s.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()

	cfg := openai.DefaultConfig("any-key")
	cfg.BaseURL = base
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "You are shown a text written in Swahili."},
			{Role: "user", Content: "Write the English instruction this text answers.\n<text>\nWakulima hupanda mbegu mapema.\n</text>"},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Header().Get("X-Fakellm"))
	fmt.Println(resp.Choices[0].Message.Content)
	fmt.Println(s.Stats().Completed)
	// Output:
	// placeholder
	// Summarize the main points about the advantages of cycling to work in Swahili, in one or two paragraphs.
	// 1
}

// Markers in a document trigger permanent faults; go-openai parses them into an
// *openai.APIError.
func Example_markers() {
	s := llmtest.New(llmtest.Options{})
	base, err := s.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()

	cfg := openai.DefaultConfig("any-key")
	cfg.BaseURL = base
	c := openai.NewClientWithConfig(cfg)
	_, err = c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "A very long document. " + llmtest.MarkerContextLength}},
	})
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code)
	}
	// Output:
	// 400 invalid_request_error context_length_exceeded
}
