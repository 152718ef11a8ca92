// Package evalio reads and writes the evaluation pipeline's records: eval questions
// (FastChat's question.jsonl shape, as in Vicuna-80 and MT-Bench) and model answers
// (the shape the seed's inference scripts write, and the pipeline's own answers/
// output, so that one run's answers can be imported into another with --answers).
//
// Questions are one JSON object per line:
//
//	{"question_id": 81, "category": "writing", "text": "...", "turns": ["...", "..."], "lang": "fi", "reference": "..."}
//
// question_id is a number or a string; text or turns (a list, for multi-turn
// questions) is required; category, lang (the question is already in that language)
// and reference (a reference answer, a string or a list per turn) are optional.
//
// Answers are one JSON object per line:
//
//	{"question_id": 81, "model": "mymodel", "lang": "fi", "answer": "...", "turn": 1}
//
// turn is optional (1); a multi-turn question needs one line per turn.
package evalio
