/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filter program and its interpreter, shared by the BPF programs and the pcap path.
 *
 * user/filter.c compiles an expression into a short program of classic BPF's kind (the
 * subset libpcap generates for the filter language): an accumulator A, an index register X,
 * loads from the frame, compares with forward jumps only (so every program ends), and a
 * verdict. As in libpcap, a load past the captured bytes rejects the frame at once. One extra
 * load reads wirelens' own application class from the parse result.
 */
#ifndef WIRELENS_FILTER_VM_H
#define WIRELENS_FILTER_VM_H

#include "wirelens.h"

#define WL_FILTER_MAX_INSNS 256
/*
 * Loads never reach past this many bytes of the frame (the compiler checks it, counting X as
 * at most 60): the BPF side copies this window of the frame before interpreting. Fits the
 * deepest load of the language: a port behind 60 bytes of IPv4 header behind a 20-byte
 * link-layer header.
 */
#define WL_FILTER_WINDOW 128

enum wl_filter_op {
	WL_FOP_RET = 0, /* verdict k (non-zero: match) */
	WL_FOP_LD_ABS,	/* A = size bytes at frame offset k (big endian) */
	WL_FOP_LD_IND,	/* A = size bytes at frame offset X + k */
	WL_FOP_LDX_MSH, /* X = 4 * (byte at offset k & 0x0f): an IPv4 header length */
	WL_FOP_LD_APP,	/* A = application class (enum wl_app) */
	WL_FOP_AND,	/* A &= k */
	WL_FOP_JEQ,	/* pc += A == k ? jt : jf */
	WL_FOP_JGT,	/* pc += A > k ? jt : jf */
	WL_FOP_JGE,	/* pc += A >= k ? jt : jf */
	WL_FOP_JSET,	/* pc += A & k ? jt : jf */
	WL_FOP_MAX,
};

/* Jumps are relative to the next instruction: pc = pc + 1 + jt. */
struct wl_filter_insn {
	__u8 op;
	__u8 size; /* loads: 1, 2 or 4 */
	__u8 jt;
	__u8 jf;
	__u32 k;
};

/* A program: len 0 matches everything (no filter). */
struct wl_filter_prog {
	__u32 len;
	__u32 pad;
	struct wl_filter_insn insns[WL_FILTER_MAX_INSNS];
};

/* What the program may read besides the frame bytes. */
struct wl_filter_env {
	__u32 caplen; /* bytes of the frame that are there to read */
	__u32 app;    /* enum wl_app of the frame */
};

/* Interpreter state between steps; pc past the end or done set means finished. */
struct wl_filter_state {
	__u32 a;
	__u32 x;
	__u32 pc;
	__u32 done;
	__u32 verdict;
};

/* Read `size` bytes big-endian at offset off; 0 and a rejecting end when past the capture. */
static __always_inline int wl_filter_load(const __u8 *buf, const struct wl_filter_env *env,
					  __u32 off, __u32 size, __u32 *out)
{
	__u32 v = 0;

	if (off >= WL_FILTER_WINDOW || size > 4 || off + size > env->caplen)
		return -1;
	off &= WL_FILTER_WINDOW - 1;
	v = buf[off];
	if (size >= 2)
		v = v << 8 | buf[off + 1];
	if (size == 4)
		v = v << 16 | buf[off + 2] << 8 | buf[off + 3];
	*out = v;
	return 0;
}

/*
 * Run one instruction. Returns 1 when the program has finished (st->verdict holds the result),
 * 0 to go on. buf holds at least min(caplen, WL_FILTER_WINDOW) bytes of the frame, plus 4
 * bytes of slack so that a masked offset never reads outside it.
 */
static __always_inline int wl_filter_step(const struct wl_filter_prog *prog,
					  struct wl_filter_state *st, const __u8 *buf,
					  const struct wl_filter_env *env)
{
	const struct wl_filter_insn *in;
	__u32 pc = st->pc, taken;

	if (st->done)
		return 1;
	if (pc >= prog->len || pc >= WL_FILTER_MAX_INSNS) {
		st->done = 1; /* fell off the end: the compiler never emits this */
		st->verdict = 0;
		return 1;
	}
	in = &prog->insns[pc];
	st->pc = pc + 1;
	switch (in->op) {
	case WL_FOP_RET:
		st->verdict = in->k != 0;
		st->done = 1;
		return 1;
	case WL_FOP_LD_ABS:
		if (wl_filter_load(buf, env, in->k, in->size, &st->a))
			goto reject;
		return 0;
	case WL_FOP_LD_IND:
		if (wl_filter_load(buf, env, st->x + in->k, in->size, &st->a))
			goto reject;
		return 0;
	case WL_FOP_LDX_MSH:
		if (wl_filter_load(buf, env, in->k, 1, &st->x))
			goto reject;
		st->x = (st->x & 0x0f) * 4;
		return 0;
	case WL_FOP_LD_APP:
		st->a = env->app;
		return 0;
	case WL_FOP_AND:
		st->a &= in->k;
		return 0;
	case WL_FOP_JEQ:
		taken = st->a == in->k;
		break;
	case WL_FOP_JGT:
		taken = st->a > in->k;
		break;
	case WL_FOP_JGE:
		taken = st->a >= in->k;
		break;
	case WL_FOP_JSET:
		taken = (st->a & in->k) != 0;
		break;
	default:
		goto reject;
	}
	st->pc += taken ? in->jt : in->jf;
	return 0;
reject:
	st->verdict = 0;
	st->done = 1;
	return 1;
}

#endif /* WIRELENS_FILTER_VM_H */
