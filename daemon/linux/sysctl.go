package linux

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Interface sysctls are files under /proc/sys. /proc/sys/net follows the
// network namespace of the thread that opens the file (InNamespace), not
// the mount namespace, unlike /sys/class/net.

// readSysctl reads /proc/sys/<key>.
func readSysctl(key string) (string, error) {
	b, err := os.ReadFile("/proc/sys/" + key)
	if err != nil {
		return "", fmt.Errorf("sysctl %s: %w", strings.ReplaceAll(key, "/", "."), err)
	}
	return string(b), nil
}

// writeSysctl writes value to /proc/sys/<key>.
func writeSysctl(key string, value int) error {
	if err := os.WriteFile("/proc/sys/"+key, []byte(strconv.Itoa(value)), 0); err != nil {
		return fmt.Errorf("sysctl %s=%d: %w", strings.ReplaceAll(key, "/", "."), value, err)
	}
	return nil
}

// readSysctlInt reads an integer sysctl.
func readSysctlInt(key string) (int, error) {
	s, err := readSysctl(key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("sysctl %s: %w", strings.ReplaceAll(key, "/", "."), err)
	}
	return v, nil
}

// ifSysctl is the key of a per-interface setting: net/<family>/conf/<if>/<name>.
func ifSysctl(family, ifname, name string) (string, error) {
	if ifname == "" || ifname == "." || ifname == ".." || strings.ContainsRune(ifname, '/') {
		return "", fmt.Errorf("interface name %q", ifname)
	}
	return "net/" + family + "/conf/" + ifname + "/" + name, nil
}
