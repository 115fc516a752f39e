#ifndef TIFFIN_CNCURSES_SHIM_H
#define TIFFIN_CNCURSES_SHIM_H
// ncursesw for Swift. SwiftPM drops pkg-config's -D flags, so the wide API and the X/Open
// definitions are switched on here, before the header.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <unistd.h>
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

/// True when the current locale's character set is UTF-8 (call after setlocale).
static inline int tiffin_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != 0 && (codeset[0] == 'U' || codeset[0] == 'u') && (codeset[1] == 'T' || codeset[1] == 't')
        && (codeset[2] == 'F' || codeset[2] == 'f');
}

/// newterm on the process's own standard streams (initscr would exit the process on error).
static inline SCREEN *tiffin_newterm(void) { return newterm(NULL, stdout, stdin); }

/// The terminal's size from the kernel (ioctl is variadic, so Swift reaches it here).
static inline int tiffin_terminal_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

#endif
