//go:build amd64 && !purego

#include "textflag.h"

// See kernel.go for the layout of the packed centroids and kernel_amd64.go for
// the Go declarations. Operands are in Go's order: sources first, destination
// last (VFMADD231PS a, b, acc is acc += a·b; VCMPPS $1, a, b, m is m = b < a).

// AVX2 + FMA: 6 rows × 16 lanes, 12 ymm accumulators (row r in Y(2r), Y(2r+1)),
// Y12/Y13 for the panel step, Y14/Y15 for the broadcast row values.

// STEP6 adds x[r][j]·panel[j][0:16] to row r's accumulators, r < 6, where AX
// points at x[0][j] (xo bytes on) and BX at x[4][j]; p0, p1 are DI offsets.
#define STEP6(xo, p0, p1) \
	VMOVUPS      p0(DI), Y12 \
	VMOVUPS      p1(DI), Y13 \
	VBROADCASTSS xo(AX), Y14 \
	VFMADD231PS  Y12, Y14, Y0 \
	VFMADD231PS  Y13, Y14, Y1 \
	VBROADCASTSS xo(AX)(R8*1), Y15 \
	VFMADD231PS  Y12, Y15, Y2 \
	VFMADD231PS  Y13, Y15, Y3 \
	VBROADCASTSS xo(AX)(R8*2), Y14 \
	VFMADD231PS  Y12, Y14, Y4 \
	VFMADD231PS  Y13, Y14, Y5 \
	VBROADCASTSS xo(AX)(R9*1), Y15 \
	VFMADD231PS  Y12, Y15, Y6 \
	VFMADD231PS  Y13, Y15, Y7 \
	VBROADCASTSS xo(BX), Y14 \
	VFMADD231PS  Y12, Y14, Y8 \
	VFMADD231PS  Y13, Y14, Y9 \
	VBROADCASTSS xo(BX)(R8*1), Y15 \
	VFMADD231PS  Y12, Y15, Y10 \
	VFMADD231PS  Y13, Y15, Y11

// FOLD8 turns acc (the −2x·c of 8 lanes) into distances by adding ||c||² at
// co(R12), and where one is strictly below best at bo(R10) replaces it and its
// index at bo(CX) by the lane's centroid index at co(R13).
#define FOLD8(acc, bo, co) \
	VADDPS    co(R12), acc, acc \
	VMOVUPS   bo(R10), Y12 \
	VCMPPS    $1, Y12, acc, Y13 \
	VBLENDVPS Y13, acc, Y12, Y12 \
	VMOVUPS   Y12, bo(R10) \
	VMOVUPS   bo(CX), Y14 \
	VBLENDVPS Y13, co(R13), Y14, Y14 \
	VMOVUPS   Y14, bo(CX)

// func nearestAVX2(x *float32, ldx, d, panels int, pan, cnorm *float32, idx *int32, best *float32, bestIdx *int32, pf *float32, pflines int)
// ldx is in bytes. It first prefetches pflines cache lines from pf on: the
// next rows, which then arrive while these are processed.
TEXT ·nearestAVX2(SB), NOSPLIT, $0-88
	MOVQ pf+72(FP), AX
	MOVQ pflines+80(FP), CX
	TESTQ CX, CX
	JZ   start6

prefetch6:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ CX
	JNZ  prefetch6

start6:
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), R8
	LEAQ (R8)(R8*2), R9
	MOVQ d+16(FP), DX
	MOVQ panels+24(FP), R11
	MOVQ pan+32(FP), DI
	MOVQ cnorm+40(FP), R12
	MOVQ idx+48(FP), R13

panel6:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ   SI, AX
	LEAQ   (SI)(R8*4), BX
	MOVQ   DX, CX
	SHRQ   $2, CX
	JZ     tail6

loop6:
	STEP6(0, 0, 32)
	STEP6(4, 64, 96)
	STEP6(8, 128, 160)
	STEP6(12, 192, 224)
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $256, DI
	DECQ CX
	JNZ  loop6

tail6:
	MOVQ DX, CX
	ANDQ $3, CX
	JZ   fold6

loop6t:
	STEP6(0, 0, 32)
	ADDQ $4, AX
	ADDQ $4, BX
	ADDQ $64, DI
	DECQ CX
	JNZ  loop6t

fold6:
	MOVQ best+56(FP), R10
	MOVQ bestIdx+64(FP), CX
	FOLD8(Y0, 0, 0)
	FOLD8(Y1, 32, 32)
	FOLD8(Y2, 64, 0)
	FOLD8(Y3, 96, 32)
	FOLD8(Y4, 128, 0)
	FOLD8(Y5, 160, 32)
	FOLD8(Y6, 192, 0)
	FOLD8(Y7, 224, 32)
	FOLD8(Y8, 256, 0)
	FOLD8(Y9, 288, 32)
	FOLD8(Y10, 320, 0)
	FOLD8(Y11, 352, 32)
	ADDQ $64, R12
	ADDQ $64, R13
	DECQ R11
	JNZ  panel6
	VZEROUPPER
	RET

// AVX-512: 12 rows × 32 lanes, 24 zmm accumulators (row r in Z(2r), Z(2r+1)),
// Z24/Z25 for the panel step, Z26/Z27 for the broadcast row values. AX, BX and
// R10 point at rows 0, 4 and 8.
#define STEP12(xo, p0, p1) \
	VMOVUPS      p0(DI), Z24 \
	VMOVUPS      p1(DI), Z25 \
	VBROADCASTSS xo(AX), Z26 \
	VFMADD231PS  Z24, Z26, Z0 \
	VFMADD231PS  Z25, Z26, Z1 \
	VBROADCASTSS xo(AX)(R8*1), Z27 \
	VFMADD231PS  Z24, Z27, Z2 \
	VFMADD231PS  Z25, Z27, Z3 \
	VBROADCASTSS xo(AX)(R8*2), Z26 \
	VFMADD231PS  Z24, Z26, Z4 \
	VFMADD231PS  Z25, Z26, Z5 \
	VBROADCASTSS xo(AX)(R9*1), Z27 \
	VFMADD231PS  Z24, Z27, Z6 \
	VFMADD231PS  Z25, Z27, Z7 \
	VBROADCASTSS xo(BX), Z26 \
	VFMADD231PS  Z24, Z26, Z8 \
	VFMADD231PS  Z25, Z26, Z9 \
	VBROADCASTSS xo(BX)(R8*1), Z27 \
	VFMADD231PS  Z24, Z27, Z10 \
	VFMADD231PS  Z25, Z27, Z11 \
	VBROADCASTSS xo(BX)(R8*2), Z26 \
	VFMADD231PS  Z24, Z26, Z12 \
	VFMADD231PS  Z25, Z26, Z13 \
	VBROADCASTSS xo(BX)(R9*1), Z27 \
	VFMADD231PS  Z24, Z27, Z14 \
	VFMADD231PS  Z25, Z27, Z15 \
	VBROADCASTSS xo(R10), Z26 \
	VFMADD231PS  Z24, Z26, Z16 \
	VFMADD231PS  Z25, Z26, Z17 \
	VBROADCASTSS xo(R10)(R8*1), Z27 \
	VFMADD231PS  Z24, Z27, Z18 \
	VFMADD231PS  Z25, Z27, Z19 \
	VBROADCASTSS xo(R10)(R8*2), Z26 \
	VFMADD231PS  Z24, Z26, Z20 \
	VFMADD231PS  Z25, Z26, Z21 \
	VBROADCASTSS xo(R10)(R9*1), Z27 \
	VFMADD231PS  Z24, Z27, Z22 \
	VFMADD231PS  Z25, Z27, Z23

// HSTEP12 is STEP12 for a half panel (16 lanes): row r accumulates in Z(r), and
// the row value is broadcast by the FMA itself.
#define HSTEP12(xo, p0) \
	VMOVUPS          p0(DI), Z24 \
	VFMADD231PS.BCST xo(AX), Z24, Z0 \
	VFMADD231PS.BCST xo(AX)(R8*1), Z24, Z1 \
	VFMADD231PS.BCST xo(AX)(R8*2), Z24, Z2 \
	VFMADD231PS.BCST xo(AX)(R9*1), Z24, Z3 \
	VFMADD231PS.BCST xo(BX), Z24, Z4 \
	VFMADD231PS.BCST xo(BX)(R8*1), Z24, Z5 \
	VFMADD231PS.BCST xo(BX)(R8*2), Z24, Z6 \
	VFMADD231PS.BCST xo(BX)(R9*1), Z24, Z7 \
	VFMADD231PS.BCST xo(R10), Z24, Z8 \
	VFMADD231PS.BCST xo(R10)(R8*1), Z24, Z9 \
	VFMADD231PS.BCST xo(R10)(R8*2), Z24, Z10 \
	VFMADD231PS.BCST xo(R10)(R9*1), Z24, Z11

// FOLD16 is FOLD8 for 16 lanes, with a mask register for the blends. The stores
// are whole: a masked store cannot forward to a later load, and the next panel's
// loads then stall on it whenever their addresses alias it modulo 4 KB.
#define FOLD16(acc, bo, co) \
	VADDPS    co(R12), acc, acc \
	VMOVUPS   bo(R10), Z24 \
	VCMPPS    $1, Z24, acc, K1 \
	VMOVUPS   acc, K1, Z24 \
	VMOVUPS   Z24, bo(R10) \
	VMOVDQU32 bo(CX), Z25 \
	VMOVDQU32 co(R13), K1, Z25 \
	VMOVDQU32 Z25, bo(CX)

// func nearestAVX512(x *float32, ldx, d, panels int, pan, cnorm *float32, idx *int32, best *float32, bestIdx *int32, pf *float32, pflines int, half bool)
// After the full panels it takes a half panel when half is set.
TEXT ·nearestAVX512(SB), NOSPLIT, $0-89
	MOVQ pf+72(FP), AX
	MOVQ pflines+80(FP), CX
	TESTQ CX, CX
	JZ   start12

prefetch12:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ CX
	JNZ  prefetch12

start12:
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), R8
	LEAQ (R8)(R8*2), R9
	MOVQ d+16(FP), DX
	MOVQ panels+24(FP), R11
	MOVQ pan+32(FP), DI
	MOVQ cnorm+40(FP), R12
	MOVQ idx+48(FP), R13
	TESTQ R11, R11
	JZ    half12

panel12:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ   SI, AX
	LEAQ   (SI)(R8*4), BX
	LEAQ   (BX)(R8*4), R10
	MOVQ   DX, CX
	SHRQ   $2, CX
	JZ     tail12

loop12:
	STEP12(0, 0, 64)
	STEP12(4, 128, 192)
	STEP12(8, 256, 320)
	STEP12(12, 384, 448)
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $16, R10
	ADDQ $512, DI
	DECQ CX
	JNZ  loop12

tail12:
	MOVQ DX, CX
	ANDQ $3, CX
	JZ   fold12

loop12t:
	STEP12(0, 0, 64)
	ADDQ $4, AX
	ADDQ $4, BX
	ADDQ $4, R10
	ADDQ $128, DI
	DECQ CX
	JNZ  loop12t

fold12:
	MOVQ best+56(FP), R10
	MOVQ bestIdx+64(FP), CX
	FOLD16(Z0, 0, 0)
	FOLD16(Z1, 64, 64)
	FOLD16(Z2, 128, 0)
	FOLD16(Z3, 192, 64)
	FOLD16(Z4, 256, 0)
	FOLD16(Z5, 320, 64)
	FOLD16(Z6, 384, 0)
	FOLD16(Z7, 448, 64)
	FOLD16(Z8, 512, 0)
	FOLD16(Z9, 576, 64)
	FOLD16(Z10, 640, 0)
	FOLD16(Z11, 704, 64)
	FOLD16(Z12, 768, 0)
	FOLD16(Z13, 832, 64)
	FOLD16(Z14, 896, 0)
	FOLD16(Z15, 960, 64)
	FOLD16(Z16, 1024, 0)
	FOLD16(Z17, 1088, 64)
	FOLD16(Z18, 1152, 0)
	FOLD16(Z19, 1216, 64)
	FOLD16(Z20, 1280, 0)
	FOLD16(Z21, 1344, 64)
	FOLD16(Z22, 1408, 0)
	FOLD16(Z23, 1472, 64)
	ADDQ $128, R12
	ADDQ $128, R13
	DECQ R11
	JNZ  panel12

half12:
	MOVBQZX half+88(FP), CX
	TESTQ   CX, CX
	JZ      done12
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	VPXORD  Z8, Z8, Z8
	VPXORD  Z9, Z9, Z9
	VPXORD  Z10, Z10, Z10
	VPXORD  Z11, Z11, Z11
	MOVQ    SI, AX
	LEAQ    (SI)(R8*4), BX
	LEAQ    (BX)(R8*4), R10
	MOVQ    DX, CX
	SHRQ    $2, CX
	JZ      halftail12

halfloop12:
	HSTEP12(0, 0)
	HSTEP12(4, 64)
	HSTEP12(8, 128)
	HSTEP12(12, 192)
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $16, R10
	ADDQ $256, DI
	DECQ CX
	JNZ  halfloop12

halftail12:
	MOVQ DX, CX
	ANDQ $3, CX
	JZ   halffold12

halfloop12t:
	HSTEP12(0, 0)
	ADDQ $4, AX
	ADDQ $4, BX
	ADDQ $4, R10
	ADDQ $64, DI
	DECQ CX
	JNZ  halfloop12t

halffold12:
	MOVQ best+56(FP), R10
	MOVQ bestIdx+64(FP), CX
	FOLD16(Z0, 0, 0)
	FOLD16(Z1, 128, 0)
	FOLD16(Z2, 256, 0)
	FOLD16(Z3, 384, 0)
	FOLD16(Z4, 512, 0)
	FOLD16(Z5, 640, 0)
	FOLD16(Z6, 768, 0)
	FOLD16(Z7, 896, 0)
	FOLD16(Z8, 1024, 0)
	FOLD16(Z9, 1152, 0)
	FOLD16(Z10, 1280, 0)
	FOLD16(Z11, 1408, 0)

done12:
	VZEROUPPER
	RET

// func sqdistAVX2(x, c *float32, n int) float64
// The order of the sum is sqdistGeneric's: Y0 holds the lane sums s0..s3 and Y1
// s4..s7, X6 the tail sum t.
TEXT ·sqdistAVX2(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   c+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD X6, X6, X6
	MOVQ   CX, DX
	SHRQ   $3, DX
	JZ     sqtail

sqloop:
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VCVTPS2PD   (DI), Y4
	VCVTPS2PD   16(DI), Y5
	VSUBPD      Y4, Y2, Y2
	VSUBPD      Y5, Y3, Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        DX
	JNZ         sqloop

sqtail:
	ANDQ $7, CX
	JZ   sqdone

sqloopt:
	VCVTSS2SD   (SI), X2, X2
	VCVTSS2SD   (DI), X4, X4
	VSUBSD      X4, X2, X2
	VFMADD231SD X2, X2, X6
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JNZ         sqloopt

sqdone:
	VADDPD       Y1, Y0, Y0 // s[l] + s[l+4]
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0 // (s0+s4)+(s2+s6), (s1+s5)+(s3+s7)
	VPERMILPD    $1, X0, X1
	VADDSD       X1, X0, X0
	VADDSD       X6, X0, X0
	VMOVSD       X0, ret+24(FP)
	VZEROUPPER
	RET

// func addToAVX2(dst *float64, src *float32, n int, pf *float32)
// It also prefetches the n floats at pf, the row that will be added a few calls
// later: the rows come in cluster order, which defeats the hardware prefetcher.
TEXT ·addToAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ pf+24(FP), R8
	MOVQ CX, DX
	SHRQ $4, DX
	JZ   add8

add16loop:
	PREFETCHT0 (R8)
	VCVTPS2PD  (SI), Y0
	VCVTPS2PD  16(SI), Y1
	VCVTPS2PD  32(SI), Y2
	VCVTPS2PD  48(SI), Y3
	VADDPD     (DI), Y0, Y0
	VADDPD     32(DI), Y1, Y1
	VADDPD     64(DI), Y2, Y2
	VADDPD     96(DI), Y3, Y3
	VMOVUPD    Y0, (DI)
	VMOVUPD    Y1, 32(DI)
	VMOVUPD    Y2, 64(DI)
	VMOVUPD    Y3, 96(DI)
	ADDQ       $64, R8
	ADDQ       $64, SI
	ADDQ       $128, DI
	DECQ       DX
	JNZ        add16loop

add8:
	TESTQ      $15, CX
	JZ         adddone
	PREFETCHT0 (R8)
	TESTQ      $8, CX
	JZ         addtail
	VCVTPS2PD  (SI), Y0
	VCVTPS2PD  16(SI), Y1
	VADDPD     (DI), Y0, Y0
	VADDPD     32(DI), Y1, Y1
	VMOVUPD    Y0, (DI)
	VMOVUPD    Y1, 32(DI)
	ADDQ       $32, SI
	ADDQ       $64, DI

addtail:
	ANDQ $7, CX
	JZ   adddone

addloopt:
	VCVTSS2SD (SI), X0, X0
	VADDSD    (DI), X0, X0
	VMOVSD    X0, (DI)
	ADDQ      $4, SI
	ADDQ      $8, DI
	DECQ      CX
	JNZ       addloopt

adddone:
	VZEROUPPER
	RET
