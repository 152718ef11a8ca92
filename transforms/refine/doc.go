// Package refine is X-Instruction's refinement stage.
package refine
