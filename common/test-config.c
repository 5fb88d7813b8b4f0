/*
 * config.toml: every key accepted and refused at its edges, the exact
 * messages (file, line, key), ~ expansion, the guest path rules, and the
 * host heuristics at their boundaries.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "cred.h"
#include "toml.h"

#define HOME	"/home/u"
#define GiB	(1024ULL * 1024 * 1024)
#define MiB	(1024ULL * 1024)

static char	 err[1024];

static int
parse(const char *text, struct config *c)
{
	return config_parse(text, strlen(text), "config.toml", HOME, c, err,
	    sizeof(err));
}

/* text must be refused with exactly msg, leaving c at defaults. */
static void
refuse(const char *text, const char *msg)
{
	struct config	 c;

	if (parse(text, &c) != -1)
		fail_msg("accepted: %s", text);
	assert_string_equal(err, msg);
	assert_null(c.sync);
	assert_int_equal(c.nsync, 0);
	assert_int_equal(c.vcpu, 0);
	assert_int_equal(c.vmm, CONFIG_VMM_AUTO);
	assert_int_equal(c.ndns_upstream, 0);
	assert_int_equal(c.egress, EGRESS_OPEN);
	assert_int_equal(c.nallow, 0);
	assert_int_equal(c.creds, 0);
}

static void
accept_ok(const char *text, struct config *c)
{
	if (parse(text, c) != 0)
		fail_msg("refused: %s: %s", text, err);
	assert_string_equal(err, "");
}

static void
test_empty(void **state)
{
	struct config	 c;
	int		 i;

	(void)state;
	accept_ok("", &c);
	accept_ok("# nothing here\n\n   \n", &c);
	assert_int_equal(c.present, 0);
	assert_string_equal(c.default_image_name, "");
	assert_string_equal(c.ssh_key_path, "");
	assert_string_equal(c.qemu_bin, "");
	assert_string_equal(c.firecracker_bin, "");
	assert_int_equal(c.vmm, CONFIG_VMM_AUTO);
	assert_int_equal(c.vcpu, 0);
	assert_int_equal(c.memory_mib, 0);
	assert_int_equal(c.disk_mib, 0);
	assert_int_equal(c.nsync, 0);
	for (i = 0; i < CONFIG_NKEYS; i++)
		assert_int_equal(c.line[i], 0);
	/* An empty [vm_defaults] is fine. */
	accept_ok("[vm_defaults]\n", &c);
	config_free(&c);
}

static void
test_full(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok(
	    "# mine\n"
	    "default_image_name = \"debian-12\"\n"
	    "ssh_key_path = \"~/.ssh/id_ed25519\"\n"
	    "firecracker_bin = '/opt/fc/firecracker'\n"
	    "qemu_bin = \"/usr/bin/qemu-system-x86_64\"\n"
	    "vmm = \"qemu\"\n"
	    "\n"
	    "[vm_defaults]\n"
	    "vcpu = 2\n"
	    "memory_mib = 2048\n"
	    "disk_size = \"20GiB\"\n"
	    "\n"
	    "[[file_sync]]\n"
	    "host = \"~/.gitconfig\"\n"
	    "guest = \"~/.gitconfig\"\n"
	    "mode = \"0644\"\n"
	    "[[file_sync]]\n"
	    "host = \"/home/u/bin\"\n"
	    "guest = \"/root/bin/\"\n", &c);
	assert_string_equal(c.default_image_name, "debian-12");
	assert_string_equal(c.ssh_key_path, "/home/u/.ssh/id_ed25519");
	assert_string_equal(c.firecracker_bin, "/opt/fc/firecracker");
	assert_string_equal(c.qemu_bin, "/usr/bin/qemu-system-x86_64");
	assert_int_equal(c.vmm, CONFIG_VMM_QEMU);
	assert_int_equal(c.vcpu, 2);
	assert_int_equal(c.memory_mib, 2048);
	assert_int_equal(c.disk_mib, 20480);
	assert_int_equal(c.line[CONFIG_K_DEFAULT_IMAGE_NAME], 2);
	assert_int_equal(c.line[CONFIG_K_VMM], 6);
	assert_int_equal(c.line[CONFIG_K_VCPU], 9);
	assert_int_equal(c.line[CONFIG_K_DISK_SIZE], 11);
	assert_int_equal(c.nsync, 2);
	assert_string_equal(c.sync[0].host, "/home/u/.gitconfig");
	assert_string_equal(c.sync[0].guest, "/root/.gitconfig");
	assert_int_equal(c.sync[0].mode, 0644);
	assert_int_equal(c.sync[0].line, 13);
	assert_string_equal(c.sync[1].host, "/home/u/bin");
	assert_string_equal(c.sync[1].guest, "/root/bin");
	assert_int_equal(c.sync[1].mode, -1);
	assert_int_equal(c.sync[1].line, 17);
	config_free(&c);
	assert_null(c.sync);
	config_free(&c);	/* twice is harmless */
}

static void
test_vcpu(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("[vm_defaults]\nvcpu = 1\n", &c);
	assert_int_equal(c.vcpu, 1);
	accept_ok("[vm_defaults]\nvcpu = 64\n", &c);
	assert_int_equal(c.vcpu, 64);
	refuse("[vm_defaults]\nvcpu = 0\n",
	    "config.toml:2: vm_defaults.vcpu: must be between 1 and 64");
	refuse("\n\n[vm_defaults]\n\n\n\nvcpu = 65\n",
	    "config.toml:7: vm_defaults.vcpu: must be between 1 and 64");
	refuse("[vm_defaults]\nvcpu = -1\n",
	    "config.toml:2: vm_defaults.vcpu: must be between 1 and 64");
	refuse("[vm_defaults]\nvcpu = \"2\"\n",
	    "config.toml:2: vm_defaults.vcpu: must be an integer");
	refuse("[vm_defaults]\nvcpu = true\n",
	    "config.toml:2: vm_defaults.vcpu: must be an integer");
	refuse("[vm_defaults]\nvcpu = [2]\n",
	    "config.toml:2: vm_defaults.vcpu: must be an integer");
	refuse("[vm_defaults]\nvcpu = 1.5\n",
	    "config.toml:2: floats are not supported");
	refuse("[vm_defaults]\nvcpu = 2\nvcpu = 3\n",
	    "config.toml:3: key 'vcpu' defined twice");
	/* Top-level vcpu is not vm_defaults.vcpu. */
	refuse("vcpu = 2\n", "config.toml:1: vcpu: unknown key");
}

static void
test_memory(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("[vm_defaults]\nmemory_mib = 128\n", &c);
	assert_int_equal(c.memory_mib, 128);
	accept_ok("[vm_defaults]\nmemory_mib = 1048576\n", &c);
	assert_int_equal(c.memory_mib, 1048576);
	assert_int_equal(c.line[CONFIG_K_MEMORY_MIB], 2);
	refuse("[vm_defaults]\nmemory_mib = 127\n", "config.toml:2: "
	    "vm_defaults.memory_mib: must be between 128 and 1048576 (MiB)");
	refuse("[vm_defaults]\nmemory_mib = 1048577\n", "config.toml:2: "
	    "vm_defaults.memory_mib: must be between 128 and 1048576 (MiB)");
	refuse("[vm_defaults]\nmemory_mib = 9223372036854775807\n",
	    "config.toml:2: vm_defaults.memory_mib: must be between 128 and "
	    "1048576 (MiB)");
	refuse("[vm_defaults]\nmemory_mib = \"2G\"\n",
	    "config.toml:2: vm_defaults.memory_mib: must be an integer (MiB)");
}

/* credentials: an opt-in list of known names, each at most once. */
static void
test_credentials(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("vmm = \"qemu\"\n", &c);
	assert_int_equal(c.creds, 0);
	assert_int_equal(c.line[CONFIG_K_CREDENTIALS], 0);
	config_free(&c);
	accept_ok("credentials = []\n", &c);
	assert_int_equal(c.creds, 0);
	assert_int_equal(c.line[CONFIG_K_CREDENTIALS], 1);
	config_free(&c);
	accept_ok("# agents\ncredentials = [\"pi\", \"opencode\"]\n", &c);
	assert_int_equal(c.creds, (1u << cred_index("pi")) |
	    (1u << cred_index("opencode")));
	assert_int_equal(c.line[CONFIG_K_CREDENTIALS], 2);
	config_free(&c);
	accept_ok("credentials = ['claude', 'opencode', 'pi']\n", &c);
	assert_int_equal(c.creds, 7);
	config_free(&c);
	assert_int_equal(cred_index("claude"), 1);
	assert_int_equal(cred_index("Claude"), -1);
	assert_int_equal(cred_index(""), -1);
	assert_string_equal(cred_table[cred_index("claude")].path,
	    ".claude/.credentials.json");
	assert_string_equal(cred_table[cred_index("opencode")].path,
	    ".local/share/opencode/auth.json");
	assert_string_equal(cred_table[cred_index("pi")].path,
	    ".pi/agent/auth.json");

	refuse("credentials = \"claude\"\n", "config.toml:1: credentials: "
	    "must be a list of at most 3 of \"opencode\", \"claude\", "
	    "\"pi\"");
	refuse("credentials = true\n", "config.toml:1: credentials: "
	    "must be a list of at most 3 of \"opencode\", \"claude\", "
	    "\"pi\"");
	refuse("credentials = [\"claude\", \"pi\", \"opencode\", "
	    "\"claude\"]\n", "config.toml:1: credentials: must be a list "
	    "of at most 3 of \"opencode\", \"claude\", \"pi\"");
	refuse("credentials = [\"claude\", \"claude\"]\n", "config.toml:1: "
	    "credentials: \"claude\" is listed twice");
	refuse("\ncredentials = [\"pi\", \"gh\"]\n", "config.toml:2: "
	    "credentials: entry 2 is not one of \"opencode\", \"claude\", "
	    "\"pi\"");
	refuse("credentials = [\"~/.claude/.credentials.json\"]\n",
	    "config.toml:1: credentials: entry 1 is not one of \"opencode\", "
	    "\"claude\", \"pi\"");
	refuse("credentials = [1]\n", "config.toml:1: credentials: entry 1 "
	    "is not one of \"opencode\", \"claude\", \"pi\"");
	/* A top-level key: not in a table. */
	refuse("[vm_defaults]\ncredentials = [\"pi\"]\n", "config.toml:2: "
	    "vm_defaults.credentials: unknown key");
	refuse("credentials = [\"pi\"]\ncredentials = [\"claude\"]\n",
	    "config.toml:2: key 'credentials' defined twice");
}

static void
test_dns_upstream(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("dns_upstream = [\"192.0.2.53\", \"2001:db8::35\"]\n", &c);
	assert_int_equal(c.ndns_upstream, 2);
	assert_string_equal(c.dns_upstream[0], "192.0.2.53");
	assert_string_equal(c.dns_upstream[1], "2001:db8::35");
	assert_int_equal(c.line[CONFIG_K_DNS_UPSTREAM], 1);
	config_free(&c);
	refuse("dns_upstream = \"192.0.2.53\"\n", "config.toml:1: "
	    "dns_upstream: must be a list of 1 to 4 addresses like "
	    "[\"192.0.2.53\"]");
	refuse("dns_upstream = []\n", "config.toml:1: dns_upstream: must be "
	    "a list of 1 to 4 addresses like [\"192.0.2.53\"]");
	refuse("dns_upstream = [\"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", "
	    "\"1.1.1.4\", \"1.1.1.5\"]\n", "config.toml:1: dns_upstream: "
	    "must be a list of 1 to 4 addresses like [\"192.0.2.53\"]");
	refuse("dns_upstream = [\"192.0.2.53:53\"]\n", "config.toml:1: "
	    "dns_upstream: entry 1 is not an IPv4 or IPv6 address (no port, "
	    "no name)");
	refuse("dns_upstream = [\"192.0.2.53\", \"dns.example\"]\n",
	    "config.toml:1: dns_upstream: entry 2 is not an IPv4 or IPv6 "
	    "address (no port, no name)");
	refuse("dns_upstream = [53]\n", "config.toml:1: dns_upstream: entry "
	    "1 is not an IPv4 or IPv6 address (no port, no name)");
	/* A good list, then a bad key: nothing of it is kept. */
	refuse("dns_upstream = [\"192.0.2.53\"]\nvcpu = 1\n",
	    "config.toml:2: vcpu: unknown key");
}

static void
test_egress(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("", &c);
	assert_int_equal(c.egress, EGRESS_OPEN);
	assert_int_equal(c.nallow, 0);
	config_free(&c);
	accept_ok("[vm_defaults]\negress = \"allowlist\"\nallow = "
	    "[\"GitHub.com\", \"*.npmjs.org\"]\n", &c);
	assert_int_equal(c.egress, EGRESS_ALLOWLIST);
	assert_int_equal(c.nallow, 2);
	assert_string_equal(c.allow[0], "github.com");
	assert_string_equal(c.allow[1], "*.npmjs.org");
	assert_int_equal(c.line[CONFIG_K_EGRESS], 2);
	assert_int_equal(c.line[CONFIG_K_ALLOW], 3);
	config_free(&c);
	refuse("[vm_defaults]\negress = \"closed\"\n", "config.toml:2: "
	    "vm_defaults.egress: must be \"open\" or \"allowlist\"");
	refuse("[vm_defaults]\nallow = \"github.com\"\n", "config.toml:2: "
	    "vm_defaults.allow: must be a list of at most 16 domains like "
	    "[\"github.com\", \"*.npmjs.org\"]");
	refuse("[vm_defaults]\nallow = [\"a.vm\"]\n", "config.toml:2: "
	    "vm_defaults.allow: allowed domain \"a.vm\": names in .vm are "
	    "always allowed");
	refuse("[vm_defaults]\nallow = [7]\n", "config.toml:2: "
	    "vm_defaults.allow: entry 1 is not a string");
	refuse("egress = \"open\"\n", "config.toml:1: egress: unknown key");
	/* allow alone means allowlist; with open it is an error. */
	accept_ok("[vm_defaults]\nallow = [\"a.org\"]\n", &c);
	assert_int_equal(c.egress, EGRESS_ALLOWLIST);
	config_free(&c);
	refuse("[vm_defaults]\negress = \"open\"\nallow = [\"a.org\"]\n",
	    "config.toml:3: vm_defaults.allow: needs egress = \"allowlist\" "
	    "(line 2 says \"open\")");
}

static void
disk_ok(const char *v, unsigned long long mib)
{
	struct config	 c;
	char		 text[256];

	snprintf(text, sizeof(text), "[vm_defaults]\ndisk_size = %s\n", v);
	accept_ok(text, &c);
	assert_int_equal(c.disk_mib, mib);
}

static void
disk_bad(const char *v, int range)
{
	char	 text[256];

	snprintf(text, sizeof(text), "[vm_defaults]\ndisk_size = %s\n", v);
	refuse(text, range ? "config.toml:2: vm_defaults.disk_size: must be "
	    "between 256 MiB and 16 TiB" : "config.toml:2: "
	    "vm_defaults.disk_size: must be a size like \"8G\", \"512M\" or "
	    "\"20GiB\", or an integer number of MiB");
}

static void
test_disk(void **state)
{
	(void)state;
	disk_ok("\"8G\"", 8192);
	disk_ok("\"8GiB\"", 8192);
	disk_ok("\"512M\"", 512);
	disk_ok("\"512MiB\"", 512);
	disk_ok("\"256\"", 256);
	disk_ok("256", 256);
	disk_ok("4096", 4096);
	disk_ok("\"1T\"", 1048576);
	disk_ok("\"16TiB\"", CONFIG_DISK_MAX);
	disk_ok("\"16384G\"", CONFIG_DISK_MAX);
	disk_ok("16777216", CONFIG_DISK_MAX);
	disk_bad("\"255M\"", 1);
	disk_bad("255", 1);
	disk_bad("0", 1);
	disk_bad("\"0\"", 1);
	disk_bad("\"0G\"", 1);
	disk_bad("-1", 1);
	disk_bad("\"17T\"", 1);
	disk_bad("\"16385G\"", 1);
	disk_bad("16777217", 1);
	disk_bad("9223372036854775807", 1);
	disk_bad("\"99999999999999999999999999T\"", 1);
	disk_bad("\"8g\"", 0);
	disk_bad("\"8 G\"", 0);
	disk_bad("\" 8G\"", 0);
	disk_bad("\"08G\"", 0);
	disk_bad("\"1.5G\"", 0);
	disk_bad("\"8GB\"", 0);
	disk_bad("\"8K\"", 0);
	disk_bad("\"G\"", 0);
	disk_bad("\"\"", 0);
	disk_bad("\"-8G\"", 0);
	disk_bad("\"+8G\"", 0);
	disk_bad("true", 0);
}

static void
test_image_name(void **state)
{
	struct config	 c;
	char		 text[256];
	const char	*msg = "config.toml:1: default_image_name: must be "
	    "1-63 characters of a-z, 0-9 and '-', not starting or ending "
	    "with '-'";

	(void)state;
	accept_ok("default_image_name = \"alpine\"\n", &c);
	assert_string_equal(c.default_image_name, "alpine");
	snprintf(text, sizeof(text), "default_image_name = \"%063d\"\n", 0);
	accept_ok(text, &c);
	assert_int_equal(strlen(c.default_image_name), 63);
	snprintf(text, sizeof(text), "default_image_name = \"%064d\"\n", 0);
	refuse(text, msg);
	refuse("default_image_name = \"Debian\"\n", msg);
	refuse("default_image_name = \"\"\n", msg);
	refuse("default_image_name = \"-x\"\n", msg);
	refuse("default_image_name = \"a/b\"\n", msg);
	refuse("default_image_name = \"../x\"\n", msg);
	refuse("default_image_name = 1\n",
	    "config.toml:1: default_image_name: must be a string");
}

static void
test_catalog_url(void **state)
{
	struct config	 c;
	const char	*loop = "config.toml:1: catalog_url: http:// only for "
	    "a loopback host (localhost, 127.0.0.0/8, [::1]); use https://";
	const char	*file = "config.toml:1: catalog_url: must be the URL of "
	    "the catalog's file (e.g. https://host/banger/catalog.json)";
	const char	*chars = "config.toml:1: catalog_url: must be a URL of "
	    "at most 1024 characters, without spaces, '@', '?' or '#'";

	(void)state;
	accept_ok("", &c);
	assert_string_equal(c.catalog_url, "");
	accept_ok("catalog_url = \"https://images.example/banger/c.json\"\n",
	    &c);
	assert_string_equal(c.catalog_url, "https://images.example/banger/c.json");
	refuse("catalog_url = \"https://images.example\"\n", file);
	refuse("catalog_url = \"https://images.example/banger/\"\n", file);
	accept_ok("catalog_url = \"http://127.0.0.1:8080/c\"\n", &c);
	accept_ok("catalog_url = \"http://localhost:8080/c\"\n", &c);
	accept_ok("catalog_url = \"http://[::1]/c\"\n", &c);
	refuse("catalog_url = \"http://images.example/c\"\n", loop);
	refuse("catalog_url = \"http://localhost.example/c\"\n", loop);
	refuse("catalog_url = \"http://127.evil.example/c\"\n", loop);
	refuse("catalog_url = \"http://[::1]x/c\"\n", loop);
	refuse("catalog_url = \"ftp://x/c\"\n", "config.toml:1: catalog_url: "
	    "must start with https:// (or http:// for a loopback host)");
	refuse("catalog_url = \"https:///c\"\n",
	    "config.toml:1: catalog_url: has no host");
	refuse("catalog_url = \"https://u:p@x/c\"\n", chars);
	refuse("catalog_url = \"https://x/a b\"\n", chars);
	refuse("catalog_url = \"https://x/c.json?v=1\"\n", chars);
	refuse("catalog_url = \"https://x/\\n\"\n", chars);
	refuse("catalog_url = 1\n",
	    "config.toml:1: catalog_url: must be a string");
}

static void
test_web_listen_addr(void **state)
{
	struct config	 c;

	(void)state;
	accept_ok("", &c);
	assert_string_equal(c.web_listen_addr, "");
	accept_ok("web_listen_addr = \"127.0.0.1:8080\"\n", &c);
	assert_string_equal(c.web_listen_addr, "127.0.0.1:8080");
	assert_int_equal(c.line[CONFIG_K_WEB_LISTEN_ADDR], 1);
	accept_ok("web_listen_addr = \"[::1]:1\"\n", &c);
	assert_string_equal(c.web_listen_addr, "[::1]:1");
	refuse("web_listen_addr = \"0.0.0.0:8080\"\n", "config.toml:1: "
	    "web_listen_addr: 0.0.0.0 is not a loopback address: the web "
	    "view is for this host's users only; it must be a loopback "
	    "address and a port, as 127.0.0.1:8080 or [::1]:8080");
	refuse("web_listen_addr = \"127.0.0.1:0\"\n", "config.toml:1: "
	    "web_listen_addr: has no port from 1 to 65535; it must be a "
	    "loopback address and a port, as 127.0.0.1:8080 or [::1]:8080");
	refuse("web_listen_addr = 8080\n",
	    "config.toml:1: web_listen_addr: must be a string");
}

static void
test_vmm(void **state)
{
	struct config	 c;
	const char	*msg = "config.toml:1: vmm: must be \"auto\", "
	    "\"firecracker\" or \"qemu\"";

	(void)state;
	accept_ok("vmm = \"auto\"\n", &c);
	assert_int_equal(c.vmm, CONFIG_VMM_AUTO);
	assert_int_equal(c.line[CONFIG_K_VMM], 1);
	accept_ok("vmm = \"firecracker\"\n", &c);
	assert_int_equal(c.vmm, CONFIG_VMM_FIRECRACKER);
	accept_ok("vmm = 'qemu'\n", &c);
	assert_int_equal(c.vmm, CONFIG_VMM_QEMU);
	refuse("vmm = \"kvm\"\n", msg);
	refuse("vmm = \"QEMU\"\n", msg);
	refuse("vmm = \"\"\n", msg);
	refuse("vmm = 1\n", msg);
	refuse("vmm = qemu\n",
	    "config.toml:1: invalid value (strings must be quoted)");
	assert_string_equal(config_vmm_name(CONFIG_VMM_AUTO), "auto");
	assert_string_equal(config_vmm_name(CONFIG_VMM_QEMU), "qemu");
	assert_string_equal(config_vmm_name(CONFIG_VMM_FIRECRACKER),
	    "firecracker");
}

static void
test_warm(void **state)
{
	struct config	 c;
	const char	*msg = "config.toml:1: warm: must be \"auto\", "
	    "\"manual\" or \"off\"";

	(void)state;
	accept_ok("", &c);
	assert_int_equal(c.warm, CONFIG_WARM_AUTO);
	accept_ok("warm = \"manual\"\n", &c);
	assert_int_equal(c.warm, CONFIG_WARM_MANUAL);
	assert_int_equal(c.line[CONFIG_K_WARM], 1);
	accept_ok("warm = \"off\"\n", &c);
	assert_int_equal(c.warm, CONFIG_WARM_OFF);
	accept_ok("warm = \"auto\"\n", &c);
	assert_int_equal(c.warm, CONFIG_WARM_AUTO);
	refuse("warm = \"on\"\n", msg);
	refuse("warm = true\n", msg);
}

static void
path_ok(const char *key, const char *v, const char *want)
{
	struct config	 c;
	char		 text[PATH_MAX + 64];
	const char	*got;

	snprintf(text, sizeof(text), "%s = \"%s\"\n", key, v);
	accept_ok(text, &c);
	got = strcmp(key, "ssh_key_path") == 0 ? c.ssh_key_path :
	    strcmp(key, "qemu_bin") == 0 ? c.qemu_bin : c.firecracker_bin;
	assert_string_equal(got, want);
}

static void
path_bad(const char *key, const char *v, const char *why)
{
	char	 text[PATH_MAX + 64], msg[PATH_MAX + 64];

	snprintf(text, sizeof(text), "\n%s = \"%s\"\n", key, v);
	snprintf(msg, sizeof(msg), "config.toml:2: %s: %s", key, why);
	refuse(text, msg);
}

static void
test_paths(void **state)
{
	static const char *const keys[] = { "ssh_key_path", "qemu_bin",
	    "firecracker_bin" };
	const char	*rel = "must be an absolute path or start with \"~/\"";
	struct config	 c;
	char		 text[PATH_MAX + 64], v[PATH_MAX + 8];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		path_ok(keys[i], "/usr/bin/x", "/usr/bin/x");
		path_ok(keys[i], "~/bin/x", "/home/u/bin/x");
		path_ok(keys[i], "~/", "/home/u");
		path_ok(keys[i], "//usr///bin/./x/", "/usr/bin/x");
		path_ok(keys[i], "/", "/");
		path_bad(keys[i], "x", rel);
		path_bad(keys[i], "bin/x", rel);
		path_bad(keys[i], "./x", rel);
		path_bad(keys[i], "", rel);
		path_bad(keys[i], "~", rel);
		path_bad(keys[i], "~root/x", rel);
		path_bad(keys[i], "/usr/../etc/x", "must not contain \"..\"");
		path_bad(keys[i], "~/../x", "must not contain \"..\"");
		path_bad(keys[i], "/a/b/..", "must not contain \"..\"");
		path_bad(keys[i], "/a\\tb",
		    "must not contain control characters");
	}
	refuse("ssh_key_path = 1\n",
	    "config.toml:1: ssh_key_path: must be a string (a path)");
	refuse("qemu_bin = [\"/usr/bin/qemu\"]\n",
	    "config.toml:1: qemu_bin: must be a string (a path)");
	/* "..." in a name is just a name. */
	path_ok("qemu_bin", "/opt/.../q", "/opt/.../q");

	/* HOME with a trailing slash, and none at all. */
	assert_int_equal(config_parse("ssh_key_path = \"~/k\"", 20,
	    "c.toml", "/home/v/", &c, err, sizeof(err)), 0);
	assert_string_equal(c.ssh_key_path, "/home/v/k");
	assert_int_equal(config_parse("ssh_key_path = \"~/k\"", 20,
	    "c.toml", NULL, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "c.toml:1: ssh_key_path: cannot expand "
	    "\"~/\": HOME is not set");
	assert_int_equal(config_parse("ssh_key_path = \"~/k\"", 20,
	    "c.toml", "relative", &c, err, sizeof(err)), -1);
	assert_int_equal(config_parse("ssh_key_path = \"/k\"", 19,
	    "c.toml", NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(config_parse("ssh_key_path = \"~/k\"", 20,
	    "c.toml", "/a/../b", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "c.toml:1: ssh_key_path: HOME contains "
	    "\"..\"");

	/* Length: PATH_MAX - 1 bytes fit, one more does not. */
	memset(v, 'a', sizeof(v));
	for (i = 0; i < PATH_MAX - 1; i += 200)
		v[i] = '/';
	v[PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "qemu_bin = \"%s\"\n", v);
	accept_ok(text, &c);
	assert_string_equal(c.qemu_bin, v);
	v[PATH_MAX - 1] = 'a';
	v[PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "qemu_bin = \"%s\"\n", v);
	refuse(text, "config.toml:1: qemu_bin: is too long");
	memset(v, 'a', 300);
	v[0] = '/';
	v[300] = '\0';
	snprintf(text, sizeof(text), "qemu_bin = \"%s\"\n", v);
	refuse(text, "config.toml:1: qemu_bin: has a component longer than "
	    "255 bytes");
}

static void
test_unknown(void **state)
{
	struct config	 c;

	(void)state;
	refuse("vcpus = 2\n", "config.toml:1: vcpus: unknown key");
	refuse("[vm_defaults]\n# c\ncpus = 2\n",
	    "config.toml:3: vm_defaults.cpus: unknown key");
	refuse("[vm_defaults]\nhost = \"/x\"\n",
	    "config.toml:2: vm_defaults.host: unknown key");
	refuse("[[file_sync]]\nhost = \"/x\"\nguest = \"~/x\"\nvcpu = 1\n",
	    "config.toml:4: file_sync.vcpu: unknown key");
	refuse("[vm]\nvcpus = 2\n", "config.toml:1: unknown table [vm]");
	/* Empty tables are caught too. */
	refuse("vmm = \"qemu\"\n\n[network]\n",
	    "config.toml:3: unknown table [network]");
	refuse("[vm_defaults.extra]\n",
	    "config.toml:1: unknown table [vm_defaults.extra]");
	refuse("[ \"vm\" . 'x' ]\n", "config.toml:1: unknown table [vm.x]");
	refuse("[[images]]\n", "config.toml:1: unknown table [[images]]");
	refuse("[file_sync]\nhost = \"/x\"\n", "config.toml:1: file_sync is "
	    "a list: write each entry as [[file_sync]]");
	refuse("[[vm_defaults]]\n", "config.toml:1: vm_defaults is a single "
	    "table: write [vm_defaults]");
	refuse("[\"v\\u0061\"]\n", "config.toml:1: unknown table [v?0061]");
	/* Quoted names that are ours are fine. */
	accept_ok("[ \"vm_defaults\" ]\nvcpu = 3\n[['file_sync']]\n"
	    "host = \"/a\"\nguest = \"/root/a\"\n", &c);
	assert_int_equal(c.vcpu, 3);
	assert_int_equal(c.nsync, 1);
	config_free(&c);
	/* The first error in the file is the one reported. */
	refuse("[vm_defaults]\nvcpu = 0\n[other]\n",
	    "config.toml:2: vm_defaults.vcpu: must be between 1 and 64");
	refuse("[other]\n[vm_defaults]\nvcpu = 0\n",
	    "config.toml:1: unknown table [other]");
	refuse("x = \n[other]\n", "config.toml:1: missing value");
	refuse("[vm_defaults]\n[vm_defaults]\n",
	    "config.toml:2: table [vm_defaults] defined twice");
	refuse("[vm_defaults\n", "config.toml:1: expected ']' to close "
	    "table header");
}

static void
sync_guest(const char *v, const char *want)
{
	struct config	 c;
	char		 text[512];

	snprintf(text, sizeof(text), "[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"%s\"\n", v);
	accept_ok(text, &c);
	assert_int_equal(c.nsync, 1);
	assert_string_equal(c.sync[0].guest, want);
	config_free(&c);
}

static void
sync_guest_bad(const char *v, const char *why)
{
	char	 text[512], msg[512];

	snprintf(text, sizeof(text), "[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"%s\"\n", v);
	snprintf(msg, sizeof(msg), "config.toml:3: file_sync.guest: %s", why);
	refuse(text, msg);
}

static void
test_sync_paths(void **state)
{
	const char	*under = "must be under \"~/\" or \"/root/\"";
	const char	*dots = "must not contain \"..\"";
	struct config	 c;

	(void)state;
	sync_guest("~/.bashrc", "/root/.bashrc");
	sync_guest("~/", "/root");
	sync_guest("/root", "/root");
	sync_guest("/root/", "/root");
	sync_guest("/root//a/./b/", "/root/a/b");
	sync_guest("~/a/b/c", "/root/a/b/c");
	sync_guest_bad("/root/../etc", dots);
	sync_guest_bad("/root/../etc/shadow", dots);
	sync_guest_bad("~/../x", dots);
	sync_guest_bad("~/a/../../etc", dots);
	sync_guest_bad("/root/a/..", dots);
	sync_guest_bad("/etc/passwd", under);
	sync_guest_bad("/rootfs/x", under);
	sync_guest_bad("/roo", under);
	sync_guest_bad("/", under);
	sync_guest_bad(".bashrc", "must be an absolute path or start with "
	    "\"~/\"");
	sync_guest_bad("root/x", "must be an absolute path or start with "
	    "\"~/\"");
	refuse("[[file_sync]]\nhost = \"/h\"\nguest = 5\n",
	    "config.toml:3: file_sync.guest: must be a string (a path)");
	/* The guest's ~ is root's even with no HOME on the host. */
	assert_int_equal(config_parse("[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"~/x\"\n", 39, "c", NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.sync[0].guest, "/root/x");
	config_free(&c);

	/* Host side: absolute or ~/, relative refused with the key named. */
	refuse("[[file_sync]]\nhost = \"dotfiles\"\nguest = \"~/d\"\n",
	    "config.toml:2: file_sync.host: must be an absolute path or "
	    "start with \"~/\"");
	refuse("[[file_sync]]\nhost = \"~/../x\"\nguest = \"~/d\"\n",
	    "config.toml:2: file_sync.host: must not contain \"..\"");
	sync_guest("~/x", "/root/x");
	accept_ok("[[file_sync]]\nhost = \"~/dotfiles/\"\nguest = \"~/d\"\n",
	    &c);
	assert_string_equal(c.sync[0].host, "/home/u/dotfiles");
	config_free(&c);
	/* "//root" collapses to /root: fine. */
	sync_guest("//root", "/root");
}

static void
sync_mode(const char *v, int want)
{
	struct config	 c;
	char		 text[256];

	snprintf(text, sizeof(text), "[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"~/h\"\nmode = %s\n", v);
	accept_ok(text, &c);
	assert_int_equal(c.sync[0].mode, want);
	config_free(&c);
}

static void
sync_mode_bad(const char *v, const char *why)
{
	char	 text[256], msg[256];

	snprintf(text, sizeof(text), "[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"~/h\"\nmode = %s\n", v);
	snprintf(msg, sizeof(msg), "config.toml:4: file_sync.mode: %s", why);
	refuse(text, msg);
}

static void
test_sync_mode(void **state)
{
	const char	*digits = "must be 3 or 4 octal digits like \"0644\"";

	(void)state;
	sync_mode("\"0600\"", 0600);
	sync_mode("\"0644\"", 0644);
	sync_mode("\"0755\"", 0755);
	sync_mode("\"644\"", 0644);
	sync_mode("\"0000\"", 0);
	sync_mode("\"0777\"", 0777);
	sync_mode("\"777\"", 0777);
	sync_mode_bad("\"4755\"", "setuid, setgid and sticky bits are not "
	    "allowed (at most \"0777\")");
	sync_mode_bad("\"1777\"", "setuid, setgid and sticky bits are not "
	    "allowed (at most \"0777\")");
	sync_mode_bad("\"0800\"", digits);
	sync_mode_bad("\"0649\"", digits);
	sync_mode_bad("\"06\"", digits);
	sync_mode_bad("\"00644\"", digits);
	/* Long enough to overflow an int if read before the length check. */
	sync_mode_bad("\"7777777777777777777777\"", digits);
	sync_mode_bad("\"\"", digits);
	sync_mode_bad("\"rw-r--r--\"", digits);
	sync_mode_bad("\"0o644\"", digits);
	sync_mode_bad("\" 644\"", digits);
	sync_mode_bad("644", "must be a string of octal digits like \"0644\"");
	sync_mode_bad("420", "must be a string of octal digits like \"0644\"");
}

static void
test_sync_entries(void **state)
{
	struct config	 c;
	char		*text;
	size_t		 i, len = 0, size = 64 * 1024;

	(void)state;
	refuse("[[file_sync]]\nguest = \"~/x\"\n",
	    "config.toml:1: file_sync: the entry has no host (the path to "
	    "copy)");
	refuse("\n[[file_sync]]\nhost = \"/x\"\nmode = \"0600\"\n",
	    "config.toml:2: file_sync: the entry has no guest (where to put "
	    "it)");
	/* Empty entries: in the middle and at the end. */
	refuse("[[file_sync]]\nhost = \"/a\"\nguest = \"~/a\"\n"
	    "[[file_sync]]\n[[file_sync]]\nhost = \"/b\"\nguest = \"~/b\"\n",
	    "config.toml:4: file_sync: the entry has no host (the path to "
	    "copy)");
	refuse("[[file_sync]]\nhost = \"/a\"\nguest = \"~/a\"\n"
	    "[[file_sync]]\n",
	    "config.toml:4: file_sync: the entry has no host (the path to "
	    "copy)");
	refuse("[[file_sync]]\nhost = \"/a\"\nguest = \"~/a\"\nhost = \"/b\"\n",
	    "config.toml:4: key 'host' defined twice");
	/* Two entries may not write the same guest path. */
	refuse("[[file_sync]]\nhost = \"/a\"\nguest = \"~/a\"\n"
	    "[[file_sync]]\nhost = \"/b\"\nguest = \"/root/a/\"\n",
	    "config.toml:6: file_sync.guest: /root/a is already the guest "
	    "path of the entry at line 1");

	/* CONFIG_MAX_SYNC entries are fine; one more is not. */
	text = malloc(size);
	assert_non_null(text);
	for (i = 0; i < CONFIG_MAX_SYNC; i++)
		len += snprintf(text + len, size - len, "[[file_sync]]\n"
		    "host = \"/h/%zu\"\nguest = \"~/g/%zu\"\n", i, i);
	accept_ok(text, &c);
	assert_int_equal(c.nsync, CONFIG_MAX_SYNC);
	assert_string_equal(c.sync[63].host, "/h/63");
	assert_string_equal(c.sync[63].guest, "/root/g/63");
	assert_int_equal(c.sync[63].line, 63 * 3 + 1);
	config_free(&c);
	snprintf(text + len, size - len, "[[file_sync]]\nhost = \"/h\"\n"
	    "guest = \"~/h\"\n");
	refuse(text, "config.toml:193: file_sync: more than 64 entries");
	/* Even when the 65th entry is empty. */
	snprintf(text + len, size - len, "[[file_sync]]\n");
	refuse(text, "config.toml:193: file_sync: more than 64 entries");
	free(text);
}

static void
test_syntax(void **state)
{
	char	*big, small[16];
	struct config	 c;

	(void)state;
	refuse("vmm = \"qemu\"\nvmm = \"auto\"\n",
	    "config.toml:2: key 'vmm' defined twice");
	refuse("vmm = \"qemu\nx = 1\n", "config.toml:1: unterminated string");
	refuse("a.b = 1\n", "config.toml:1: dotted keys are only supported "
	    "in table headers");
	refuse("vmm = \"qemu\" junk\n",
	    "config.toml:1: unexpected 'j' after value");
	refuse("\r\n\r\nvcpu = 1\r\n", "config.toml:3: vcpu: unknown key");
	assert_int_equal(config_parse("vmm = \"q\0\"\n", 11, "config.toml",
	    HOME, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "config.toml:1: control character 0x00 in "
	    "string");

	/* The size cap, before anything else. */
	big = malloc(TOML_MAX_INPUT + 1);
	assert_non_null(big);
	memset(big, '\n', TOML_MAX_INPUT + 1);
	assert_int_equal(config_parse(big, TOML_MAX_INPUT, "config.toml",
	    HOME, &c, err, sizeof(err)), 0);
	assert_int_equal(config_parse(big, TOML_MAX_INPUT + 1, "config.toml",
	    HOME, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "config.toml: larger than 262144 bytes");
	free(big);

	/* A short message buffer is truncated, never overrun. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(config_parse("vcpu = 1\n", 9, "config.toml", HOME,
	    &c, small, 8), -1);
	assert_string_equal(small, "config.");
	assert_int_equal(small[8], 'x');
	assert_int_equal(config_parse("vcpu = 1\n", 9, "config.toml", HOME,
	    &c, NULL, 0), -1);
}

/* A private directory standing in for HOME. */
static char	 tmphome[PATH_MAX];

static void
write_file(const char *path, const char *text, size_t len)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static void
test_load(void **state)
{
	struct config	 c;
	char		 dir[PATH_MAX], file[PATH_MAX], msg[PATH_MAX + 128];
	char		*big;

	(void)state;
	snprintf(tmphome, sizeof(tmphome), "/tmp/test-config.XXXXXX");
	assert_non_null(mkdtemp(tmphome));
	snprintf(dir, sizeof(dir), "%s/.config", tmphome);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/.config/banger", tmphome);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/config.toml", dir);

	/* Missing: defaults, no error. */
	err[0] = 'x';
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.present, 0);
	assert_string_equal(err, "");

	write_text(file, "ssh_key_path = \"~/.ssh/k\"\n[vm_defaults]\n"
	    "vcpu = 4\n");
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.present, 1);
	assert_int_equal(c.vcpu, 4);
	snprintf(msg, sizeof(msg), "%s/.ssh/k", tmphome);
	assert_string_equal(c.ssh_key_path, msg);
	config_free(&c);

	/* Messages show the file under ~ as the user knows it. */
	write_text(file, "# c\n\n\n\n\n[vm_defaults]\nvcpu = 99\n");
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "~/.config/banger/config.toml:7: "
	    "vm_defaults.vcpu: must be between 1 and 64");
	assert_int_equal(c.present, 1);
	assert_int_equal(c.vcpu, 0);
	write_text(file, "ssh_key_path = \"id_rsa\"\n");
	assert_int_equal(config_load(file, "/elsewhere", &c, err,
	    sizeof(err)), -1);
	snprintf(msg, sizeof(msg), "%s:1: ssh_key_path: must be an absolute "
	    "path or start with \"~/\"", file);
	assert_string_equal(err, msg);

	/* Exactly at the cap is read; one byte over is refused. */
	big = malloc(TOML_MAX_INPUT + 1);
	assert_non_null(big);
	memset(big, '#', TOML_MAX_INPUT + 1);
	write_file(file, big, TOML_MAX_INPUT);
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    0);
	write_file(file, big, TOML_MAX_INPUT + 1);
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "~/.config/banger/config.toml: larger than "
	    "262144 bytes");
	free(big);
	assert_int_equal(unlink(file), 0);

	/* Something other than a file in its place. */
	assert_int_equal(mkdir(file, 0700), 0);
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "~/.config/banger/config.toml: not a "
	    "regular file");
	assert_int_equal(rmdir(file), 0);
	assert_int_equal(mkfifo(file, 0600), 0);
	assert_int_equal(config_load(file, tmphome, &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "~/.config/banger/config.toml: not a "
	    "regular file");
	assert_int_equal(unlink(file), 0);
	if (geteuid() != 0) {
		write_text(file, "");
		assert_int_equal(chmod(file, 0), 0);
		assert_int_equal(config_load(file, tmphome, &c, err,
		    sizeof(err)), -1);
		assert_string_equal(err, "~/.config/banger/config.toml: "
		    "Permission denied");
		assert_int_equal(unlink(file), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	snprintf(dir, sizeof(dir), "%s/.config", tmphome);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rmdir(tmphome), 0);
}

static void
eff(const struct config *c, long ncpu, unsigned long long ram,
    int vcpu, enum config_source vs, unsigned mem, enum config_source ms)
{
	struct vm_defaults_eff	 e;

	memset(&e, 0xa5, sizeof(e));
	config_effective(c, ncpu, ram, &e);
	assert_int_equal(e.vcpu, vcpu);
	assert_int_equal(e.vcpu_src, vs);
	assert_int_equal(e.memory_mib, mem);
	assert_int_equal(e.memory_src, ms);
}

static void
test_effective(void **state)
{
	struct config		 c;
	struct vm_defaults_eff	 e;
	const enum config_source B = CONFIG_SRC_BUILTIN, H = CONFIG_SRC_HOST,
	    C = CONFIG_SRC_CONFIG;

	(void)state;
	config_init(&c);
	/* vcpu = ncpu/4 in [1, 4]; below 1 the built-in floor. */
	eff(&c, -1, 0, 1, B, 256, B);
	eff(&c, 0, 0, 1, B, 256, B);
	eff(&c, 1, 0, 1, B, 256, B);
	eff(&c, 3, 0, 1, B, 256, B);
	eff(&c, 4, 0, 1, H, 256, B);
	eff(&c, 7, 0, 1, H, 256, B);
	eff(&c, 8, 0, 2, H, 256, B);
	eff(&c, 15, 0, 3, H, 256, B);
	eff(&c, 16, 0, 4, H, 256, B);
	eff(&c, 17, 0, 4, H, 256, B);
	eff(&c, 1024, 0, 4, H, 256, B);
	/* memory = ram/8, down to 64 MiB, at most 8 GiB, at least 256. */
	eff(&c, 4, 2 * GiB - 1, 1, H, 256, B);
	eff(&c, 4, 2 * GiB, 1, H, 256, H);
	eff(&c, 4, 2 * GiB + 8 * 63 * MiB, 1, H, 256, H);
	eff(&c, 4, 2 * GiB + 8 * 64 * MiB, 1, H, 320, H);
	eff(&c, 4, 4 * GiB, 1, H, 512, H);
	eff(&c, 4, 15 * GiB, 1, H, 1920, H);
	eff(&c, 4, 64 * GiB - 1, 1, H, 8128, H);
	eff(&c, 4, 64 * GiB, 1, H, 8192, H);
	eff(&c, 4, 1024 * GiB, 1, H, 8192, H);
	eff(&c, 4, ~0ULL, 1, H, 8192, H);
	eff(&c, 4, 512 * MiB, 1, H, 256, B);
	/* The file beats the host. */
	c.vcpu = 64;
	c.memory_mib = 128;
	eff(&c, 1, 0, 64, C, 128, C);
	eff(&c, 64, 64 * GiB, 64, C, 128, C);
	eff(NULL, 8, 4 * GiB, 2, H, 512, H);

	/* disk: the file, else a fixed built-in 8 GiB. */
	config_init(&c);
	config_effective(&c, 8, 8 * GiB, &e);
	assert_int_equal(e.disk_mib, 8192);
	assert_int_equal(e.disk_src, B);
	c.disk_mib = 300;
	config_effective(&c, 8, 8 * GiB, &e);
	assert_int_equal(e.disk_mib, 300);
	assert_int_equal(e.disk_src, C);

	/* The real host gives something in range. */
	config_init(&c);
	config_effective_host(&c, &e);
	assert_true(e.vcpu >= 1 && e.vcpu <= CONFIG_HOST_VCPU_MAX);
	assert_true(e.memory_mib >= 256 && e.memory_mib <= 8192);
	assert_int_equal(e.memory_mib % 64, 0);

	assert_string_equal(config_source_name(B), "built-in");
	assert_string_equal(config_source_name(H), "host heuristic");
	assert_string_equal(config_source_name(C), "config.toml");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_vcpu),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_dns_upstream),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_disk),
		cmocka_unit_test(test_image_name),
		cmocka_unit_test(test_vmm),
		cmocka_unit_test(test_warm),
		cmocka_unit_test(test_catalog_url),
		cmocka_unit_test(test_web_listen_addr),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_sync_paths),
		cmocka_unit_test(test_sync_mode),
		cmocka_unit_test(test_sync_entries),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_egress),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_effective),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
