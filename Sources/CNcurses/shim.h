#ifndef TIFFIN_CNCURSES_SHIM_H
#define TIFFIN_CNCURSES_SHIM_H
// ncursesw for Swift. SwiftPM drops pkg-config's -D flags, so the wide API and the X/Open
// definitions are switched on here, before the header.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/ncurses.h>

// Macros and globals Swift cannot import (or that strict concurrency rejects).
static inline WINDOW *tiffin_stdscr(void) { return stdscr; }
static inline int tiffin_lines(void) { return LINES; }
static inline int tiffin_cols(void) { return COLS; }
static inline int tiffin_colors(void) { return COLORS; }
static inline int tiffin_color_pairs(void) { return COLOR_PAIRS; }
static inline int tiffin_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int tiffin_getmaxx(WINDOW *w) { return getmaxx(w); }

static inline attr_t tiffin_a_normal(void) { return A_NORMAL; }
static inline attr_t tiffin_a_bold(void) { return A_BOLD; }
static inline attr_t tiffin_a_dim(void) { return A_DIM; }
static inline attr_t tiffin_a_reverse(void) { return A_REVERSE; }
static inline attr_t tiffin_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tiffin_a_italic(void) { return A_ITALIC; }

#endif
