// Package launch is the launch path every xinstruct pipeline shares: parse the flags and
// call beam.Init first (a worker re-executes the same binary and must stop there), bind
// the model flags into an llm.Config in one place, name the run, check each configured
// model with one real call (pre-flight), run the pipeline with beamx.Run, and end with
// the job's own summary and an exit code that tells the truth: non-zero, with a one-line
// reason, whenever the run did not publish what it was asked to.
//
// A pipeline's main binds its own flags, then hands launch a function that turns them
// into a Job:
//
//	func main() {
//		flags := job.BindFlags(flag.CommandLine)
//		model := launch.BindModelFlags(flag.CommandLine)
//		launch.Main("generate", job.FlagGroups(), func(ctx context.Context, run launch.Run) (launch.Job, error) {
//			return flags.Job(ctx, run, model)
//		})
//	}
package launch
