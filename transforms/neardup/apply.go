package neardup

import (
	"context"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.DoFn5x1[context.Context, shardio.File, func(*uint64, *string) bool, func(record.Doc), func(record.Rejected), error](&applyFn{})
	register.Emitter1[record.Doc]()
	register.Emitter1[record.Rejected]()
	register.Iter2[uint64, string]()
}

// applyFn reads the spill back and rejects the losers (the side input: ref → detail).
type applyFn struct {
	losers   map[uint64]string // read once per DoFn instance
	rejected beam.Counter
}

func (fn *applyFn) Setup() {
	fn.rejected = beam.NewCounter("ingest", "rejected_"+record.ReasonNearDuplicate)
}

func (fn *applyFn) ProcessElement(ctx context.Context, f shardio.File, losers func(*uint64, *string) bool, kept func(record.Doc), rejected func(record.Rejected)) error {
	if fn.losers == nil {
		fn.losers = map[uint64]string{}
		var r uint64
		var detail string
		for losers(&r, &detail) {
			fn.losers[r] = detail
		}
	}
	var keys []uint64
	return readSpill(ctx, f, func(rec []byte) error {
		var enc []byte
		var err error
		if keys, enc, err = splitSpill(rec, keys[:0]); err != nil {
			return err
		}
		d, err := record.DecodeDoc(enc)
		if err != nil {
			return err
		}
		if len(fn.losers) > 0 && len(keys) > 0 {
			if detail, ok := fn.losers[ref(d.Source, d.Line)]; ok {
				fn.rejected.Inc(ctx, 1)
				rejected(record.Reject(d, record.StageIngest, record.ReasonNearDuplicate, detail))
				return nil
			}
		}
		kept(d)
		return nil
	})
}
