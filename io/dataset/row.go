// Package dataset writes the final instruction-tuning dataset: one file per language
// and one mixed file, in JSONL and Parquet, and a dataset card, published atomically
// under <output>/dataset/.
package dataset

import (
	"encoding/json"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.Function1x2(keyedRow)
	beam.RegisterCoder(reflect.TypeOf(Row{}), encodeRow, decodeRow)
}

// Row is one sample of the dataset, the same in JSONL and Parquet: every field is in
// every JSONL line (no omitempty), as every column is in every Parquet row.
type Row struct {
	ID          string `json:"id" parquet:"id"`
	Lang        string `json:"lang" parquet:"lang"`
	Instruction string `json:"instruction" parquet:"instruction"` // English
	Output      string `json:"output" parquet:"output"`           // native text in Lang
	Cluster     int32  `json:"cluster" parquet:"cluster"`         // the instruction's k-means cluster within Lang
	Rank        int32  `json:"rank" parquet:"rank"`               // order the within-cluster rule took it in; 0 = nearest its centroid
	Source      string `json:"source" parquet:"source"`
	// Placeholder marks instructions written by the offline stand-in model.
	Placeholder bool        `json:"placeholder" parquet:"placeholder"`
	History     []Judgement `json:"history" parquet:"history,list"` // refinement rounds, oldest first
}

// Judgement is one refinement round's verdict, as in the pair's label history.
type Judgement struct {
	Round             int32  `json:"round" parquet:"round"`
	Label             string `json:"label" parquet:"label"`
	Rationale         string `json:"rationale" parquet:"rationale"`
	JudgeModel        string `json:"judge_model" parquet:"judge_model"`
	InstructionBefore string `json:"instruction_before" parquet:"instruction_before"`
	Parsed            string `json:"parsed" parquet:"parsed"`
}

func keyedRow(r Row) (string, Row) { return r.Lang, r }

func encodeRow(r Row) ([]byte, error) { return json.Marshal(r) }
func decodeRow(b []byte) (Row, error) {
	var r Row
	err := json.Unmarshal(b, &r)
	return r, err
}
