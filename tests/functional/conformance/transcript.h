/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance transcript
 *
 * A transcript is one line per kernel call and its result, written to
 * stdout and optionally to a file.  It must be byte-identical from run to
 * run on the same topology, so callers never print anything that varies
 * between runs: no pointers, fd numbers, timings or kernel object ids
 * (iommufd ids are printed through transcript_id_name()).
 *
 * Every line that carries an expectation counts as passed or failed; a
 * failed line ends with "FAIL (expected ...)".  Timings go to stderr in
 * the form "timing: LABEL SECONDS" and never into the transcript.
 */
#ifndef CONFORMANCE_TRANSCRIPT_H
#define CONFORMANCE_TRANSCRIPT_H

typedef struct Transcript Transcript;

/*
 * Opens a transcript whose lines start with @prefix (the backend name);
 * with a NULL @prefix nothing is printed, only counted.
 * If @path is non-NULL the lines are also written to that file, which is
 * truncated.  Returns NULL and sets @errp if the file cannot be created.
 */
Transcript *transcript_new(const char *prefix, const char *path,
                           Error **errp);

/* Flushes and closes the file; does not print the summary. */
void transcript_free(Transcript *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Transcript, transcript_free)

/*
 * Starts a call line: "PREFIX DESCRIPTION".  The line is completed by
 * transcript_end() once the call has returned.
 */
void transcript_begin(Transcript *t, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*
 * Completes the pending line with " -> RESULT[ DETAILS]" where RESULT is
 * "ok" for @err == 0 and the errno name otherwise.  @expected is the errno
 * the kernel rule demands (0 for success).  @fmt may be NULL.  Returns
 * whether @err matched @expected, and counts the line.
 */
bool transcript_end(Transcript *t, int err, int expected,
                    const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/*
 * A value check: prints "PREFIX TEXT" and, when !@ok, " FAIL (expected
 * EXPECTED)".  Counts the line; returns @ok.
 */
bool transcript_check(Transcript *t, bool ok, const char *expected,
                      const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* An informational line that is not counted. */
void transcript_note(Transcript *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Records a failure of a step that could not even be attempted. */
void transcript_abort(Transcript *t, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* "timing: LABEL SECONDS" on stderr. */
void transcript_timing(Transcript *t, const char *label, double seconds);

/*
 * Registers a stable name for a kernel-assigned object id, so that lines
 * can name objects ("ioas-a", "hwpt") instead of numbers that another
 * kernel (or the simulated one) may assign differently.  A NULL @name
 * forgets @id (after the object is destroyed, the kernel may reuse it).
 */
void transcript_name_id(Transcript *t, uint32_t id, const char *name);

/* The registered name of @id, or "id-unknown" (owned by @t). */
const char *transcript_id_name(Transcript *t, uint32_t id);

/* Prints "conformance: N passed, M failed"; returns M. */
int transcript_finish(Transcript *t);

typedef struct TranscriptFlag {
    uint64_t bit;
    const char *name;
} TranscriptFlag;

/*
 * Names the bits of @flags from @names (terminated by a NULL name), joined
 * by '|'; unnamed bits as hex; "0" for none.  The caller frees the result.
 */
char *transcript_flags(uint64_t flags, const TranscriptFlag *names);

/* "EINVAL" for EINVAL, "ok" for 0, "errno-N" for unknown numbers. */
const char *transcript_errno_name(int err);

#endif
