package config

import (
	"strconv"
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

// token is one word, brace or end of line.
type token struct {
	kind   tokKind
	text   string
	quoted bool
	pos    Pos
}

// lex splits pre-processed lines into tokens. Words are separated by blanks;
// '{' and '}' are tokens of their own outside quotes; a word starting with a
// double or single quote runs to the matching quote, with keepalived's
// backslash escapes inside double quotes.
func lex(lines []srcLine, d *diags) []token {
	toks := make([]token, 0, len(lines)*3)
	for _, l := range lines {
		s := l.text
		col := 1
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\v' || c == '\f' {
				i++
				col++
				continue
			}
			pos := Pos{l.file, l.line, col}
			switch {
			case c == '{' || c == '}':
				k := tOpen
				if c == '}' {
					k = tClose
				}
				toks = append(toks, token{kind: k, text: string(c), pos: pos})
				i++
				col++
			case c == '"' || c == '\'':
				val, n, ok := readQuoted(s[i:])
				if !ok {
					d.errorf(pos, "", "unterminated quoted string")
				}
				toks = append(toks, token{kind: tWord, text: val, quoted: true, pos: pos})
				col += utf8.RuneCountInString(s[i : i+n])
				i += n
			default:
				j := i
				for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '{' && s[j] != '}' && s[j] != '\v' && s[j] != '\f' {
					j++
				}
				toks = append(toks, token{kind: tWord, text: s[i:j], pos: pos})
				col += utf8.RuneCountInString(s[i:j])
				i = j
			}
		}
		toks = append(toks, token{kind: tEOL, pos: Pos{l.file, l.line, col}})
	}
	return toks
}

// readQuoted reads a quoted string at the start of s; it returns the value,
// the number of bytes consumed and whether the closing quote was found.
func readQuoted(s string) (string, int, bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return b.String(), i + 1, true
		}
		if c != '\\' || q != '"' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteString("\\x")
				continue
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(v))
			i = j - 1
		case 'c':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i] & 0x1f)
			}
		default:
			// \\, \", \' and any other character stand for themselves.
			b.WriteByte(e)
		}
	}
	return b.String(), len(s), false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
