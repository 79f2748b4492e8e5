package config

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tWord tokKind = iota
	tOpen
	tClose
	tEOL
)

// token is one word, brace or end of line. It is kept small (the
// 100,000-line benchmark makes about 450,000 of them): the file name is
// shared, line and column are 32-bit.
type token struct {
	text      string
	file      *string
	line, col int32
	kind      tokKind
	quoted    bool
}

// pos is the token's position.
func (t token) pos() Pos { return Pos{File: *t.file, Line: int(t.line), Col: int(t.col)} }

// lex splits pre-processed lines into tokens the way keepalived 2.2.7's
// alloc_strvec does (measured with keepalived -t): words are separated by
// blanks; '{' and '}' are tokens of their own outside quotes; a double
// quote, even in the middle of a word, ends the word and starts a quoted
// token that runs to the next double quote. Quoted text is literal: 2.2.7
// processes no escapes there (`"\x35"` stays four characters), and a
// single quote is an ordinary character. The shell-like escapes and single
// quotes of keepalived.conf(5) "Quoted strings" apply when a script command
// line is split into arguments (keepalived reads those lines a second time):
// see SplitCommand.
func lex(lines []srcLine, d *diags) []token {
	toks := make([]token, 0, len(lines)*4)
	var file *string
	for _, l := range lines {
		if file == nil || *file != l.file {
			name := l.file
			file = &name
		}
		mk := func(k tokKind, text string, quoted bool, col int) token {
			return token{text: text, file: file, line: l.line, col: int32(col), kind: k, quoted: quoted}
		}
		s := l.text
		col := 1 + int(l.col)
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\v' || c == '\f' {
				i++
				col++
				continue
			}
			start := col
			switch {
			case c == '{' || c == '}':
				k := tOpen
				if c == '}' {
					k = tClose
				}
				toks = append(toks, mk(k, s[i:i+1], false, start))
				i++
				col++
			case c == '"':
				j := strings.IndexByte(s[i+1:], '"')
				end := len(s)
				if j < 0 {
					d.errorf(CodeUnterminatedQuote, Pos{l.file, int(l.line), start}, "", "Unterminated quote: %s", s[i:])
				} else {
					end = i + 1 + j
				}
				toks = append(toks, mk(tWord, s[i+1:end], true, start))
				if end < len(s) {
					end++
				}
				col += utf8.RuneCountInString(s[i:end])
				i = end
			default:
				j := i
				for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '{' && s[j] != '}' && s[j] != '"' && s[j] != '\v' && s[j] != '\f' {
					j++
				}
				toks = append(toks, mk(tWord, s[i:j], false, start))
				col += utf8.RuneCountInString(s[i:j])
				i = j
			}
		}
		toks = append(toks, mk(tEOL, "", false, col))
	}
	return toks
}
