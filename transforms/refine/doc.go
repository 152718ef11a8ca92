// Package refine is X-Instruction's refinement stage: it decides which generated pairs
// (an English instruction, a native text as its response) are kept, rewritten or
// dropped.
//
// Its pure parts, free of Beam and of any model call:
//
//   - CheckPair applies cheap checks before any judge call, each with a stable reason
//     that becomes the dead letter's Reason (see CheckReasons): the instruction is empty,
//     too short or too long, copies the output, is not English, refers to a text the user
//     never sees, or is not a request at all. CheckParams holds the thresholds, with
//     DefaultCheckParams's defaults explained field by field; Overlap is the character
//     4-gram measure behind the copy check. A pair costs 6-9 µs (a 100-character instruction
//     and a 1 KB output, on this project's 2-core machine), with 9 small allocations.
//   - ParseVerdict reads the judge's answer, asked for as {"label": "good"|"flawed"|"bad",
//     "rationale": "..."}, from JSON, fenced or embedded JSON, or prose, and says how it
//     read it. It never makes up a label: an answer with no single, confident label is
//     not ok, and goes back to the judge or to the dead letters.
//
// The checks are heuristics, documented with their limits on CheckPair; what passes them
// still goes to the judge.
package refine
