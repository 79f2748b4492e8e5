package config

import (
	"errors"
	"strconv"
	"strings"
)

// SplitCommand splits a script command line (vrrp_script script, notify_*,
// misc_path, quorum_up/down, ...) into its arguments the way keepalived
// does before exec(2), keepalived.conf(5) "Quoted strings":
//
//   - unquoted blanks separate arguments;
//   - '...' and "..." group text with its blanks; the quote characters are
//     removed and adjacent parts join ('abcd" efg "h' is one argument);
//   - outside single quotes, backslash escapes as in the shell: \a \b \E
//     \f \n \r \t \v, \nnn (octal, up to 3 digits), \xXX (hex), \cC
//     (control-C); \C for any other C is C itself, so \\ is a backslash and
//     \" a double quote that neither starts nor ends a quoted part.
//
// It returns an error for an unterminated quote.
func SplitCommand(cmd string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	var quote byte
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\\' && i+1 < len(cmd):
			n := unescape(cmd[i+1:], &cur)
			i += n
			inArg = true
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
			inArg = true
		case c == ' ' || c == '\t' || c == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote in command " + strconv.Quote(cmd))
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// unescape writes the character escaped by the backslash before s and
// returns the number of bytes of s it used.
func unescape(s string, b *strings.Builder) int {
	switch e := s[0]; e {
	case 'a':
		b.WriteByte('\a')
	case 'b':
		b.WriteByte('\b')
	case 'E', 'e':
		b.WriteByte(0x1b)
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte('\v')
	case 'x':
		j := 1
		for j < len(s) && j < 3 && isHex(s[j]) {
			j++
		}
		if j == 1 {
			b.WriteByte('x')
			return 1
		}
		v, _ := strconv.ParseUint(s[1:j], 16, 8)
		b.WriteByte(byte(v))
		return j
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := 0
		for j < len(s) && j < 3 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(s[:j], 8, 16)
		b.WriteByte(byte(v))
		return j
	case 'c':
		if len(s) > 1 {
			b.WriteByte(s[1] & 0x1f)
			return 2
		}
		b.WriteByte('c')
	default:
		b.WriteByte(e)
	}
	return 1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
