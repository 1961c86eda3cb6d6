/* SPDX-License-Identifier: MIT */
/* validate: names, ports, host names and endpoints, at and past their edges. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "validate.h"

static char *
repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

START_TEST(name_lengths)
{
	char buf[128];

	ck_assert(!validate_name(NULL));
	ck_assert(!validate_name(""));
	ck_assert(validate_name("a"));
	ck_assert(validate_name(repeat(buf, 'x', 62)));
	ck_assert(validate_name(repeat(buf, 'x', 63)));
	ck_assert(!validate_name(repeat(buf, 'x', 64)));
	ck_assert(!validate_name(repeat(buf, 'x', 127)));
}
END_TEST

START_TEST(name_characters)
{
	static const char *const good[] = { "web1", "Web-1", "db_2.example", "...", "-", "_",
		"0", "A.b-C_d", NULL };
	static const char *const bad[] = { "web 1", " web", "web ", "web/1", "web:1", "a@b",
		"tab\there", "new\nline", "semi;colon", "quote\"", "back\\slash", "<script>",
		"per%cent", "plus+", "comma,", "é", "caf\xc3\xa9", "\xff", "a\x7f", "\x01",
		"\xe2\x80\x8b" /* zero-width space */, NULL };

	for (size_t i = 0; good[i] != NULL; i++)
		ck_assert_msg(validate_name(good[i]), "refused good name \"%s\"", good[i]);
	for (size_t i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!validate_name(bad[i]), "accepted bad name #%zu", i);
}
END_TEST

START_TEST(port_values)
{
	static const struct { const char *s; int ok; unsigned v; } cases[] = {
		{ "1", 1, 1 }, { "80", 1, 80 }, { "51820", 1, 51820 }, { "65535", 1, 65535 },
		{ "0", 0, 0 }, { "65536", 0, 0 }, { "99999", 0, 0 }, { "100000", 0, 0 },
		{ "4294967297", 0, 0 }, { "18446744073709551617", 0, 0 },
		{ "01", 0, 0 }, { "00080", 0, 0 }, { "051820", 0, 0 }, { "00", 0, 0 },
		{ "+1", 0, 0 }, { "-1", 0, 0 }, { "+80", 0, 0 }, { " 80", 0, 0 }, { "80 ", 0, 0 },
		{ "8 0", 0, 0 }, { "\t80", 0, 0 }, { "80\n", 0, 0 }, { "", 0, 0 }, { "0x50", 0, 0 },
		{ "1e3", 0, 0 }, { "80.0", 0, 0 }, { "eighty", 0, 0 }, { "８０", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t port = 4242;
		int rc = validate_port(cases[i].s, &port);
		if (cases[i].ok) {
			ck_assert_msg(rc == 0, "refused port \"%s\"", cases[i].s);
			ck_assert_uint_eq(port, cases[i].v);
		} else {
			ck_assert_msg(rc == -1, "accepted port \"%s\"", cases[i].s);
			ck_assert_msg(port == 4242, "port \"%s\" written though refused", cases[i].s);
		}
	}
	ck_assert_int_eq(validate_port(NULL, &(uint16_t){ 0 }), -1);
}
END_TEST

START_TEST(hostnames)
{
	char buf[300], label[70];
	static const char *const good[] = { "example.com", "example.com.", "a", "a-b.c",
		"xn--bcher-kva.example", "1.2.3.4", "255.255.255.255", "0.0.0.0",
		"host1", "1host", "a.123", "WEB1.Example.ORG", NULL };
	static const char *const bad[] = { "", ".", "..", "a..b", ".example.com",
		"-example.com", "example-.com", "example.com-", "ex_ample.com", "ex ample.com",
		"exa$mple.com", "1.2.3.999", "1.2.3", "1.2.3.4.5", "256.1.1.1", "12345",
		"1.2.3.4/24", "::1", "[::1]", "fe80::1", "b\xc3\xbc" "cher.example", "a\tb",
		"example.com:80", "-", NULL };

	for (size_t i = 0; good[i] != NULL; i++)
		ck_assert_msg(validate_hostname(good[i]), "refused good host \"%s\"", good[i]);
	for (size_t i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!validate_hostname(bad[i]), "accepted bad host \"%s\"", bad[i]);
	ck_assert(!validate_hostname(NULL));

	/* A label holds 63 characters at most. */
	repeat(label, 'a', 63);
	snprintf(buf, sizeof(buf), "%s.example", label);
	ck_assert(validate_hostname(buf));
	repeat(label, 'a', 64);
	snprintf(buf, sizeof(buf), "%s.example", label);
	ck_assert(!validate_hostname(buf));

	/* A name holds 253 characters at most. */
	buf[0] = '\0';
	repeat(label, 'a', 62);
	for (int i = 0; i < 4; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "." : "", label);
	ck_assert_uint_eq(strlen(buf), 251);
	ck_assert(validate_hostname(buf));
	strcat(buf, ".b");
	ck_assert_uint_eq(strlen(buf), 253);
	ck_assert(validate_hostname(buf));
	strcat(buf, "c");
	ck_assert(!validate_hostname(buf));
}
END_TEST

static void
endpoint_ok(const char *s, const char *want_host, unsigned want_port)
{
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port = 0;

	ck_assert_msg(validate_endpoint(s, host, sizeof(host), &port) == 0,
	              "refused good endpoint \"%s\"", s);
	ck_assert_str_eq(host, want_host);
	ck_assert_uint_eq(port, want_port);
}

START_TEST(endpoints)
{
	static const char *const bad[] = {
		"", ":", ":51820", "example.com", "example.com:", "example.com:0",
		"example.com:65536", "example.com:080", "example.com:+80", "example.com: 80",
		"example.com :80", " example.com:80", "example.com:80 ", "example.com:80:81",
		"1.2.3.999:51820", "1.2.3.4:-1", "1.2.3.4", "1.2.3.4:port",
		"::1:51820", "fe80::1:51820", "2001:db8::1", "::1",           /* bare IPv6 */
		"[::1]", "[::1]:", "[::1]51820", "[]:51820", "[::1:51820", "::1]:51820",
		"[1.2.3.4]:51820", "[example.com]:51820", "[fe80::1%eth0]:51820",
		"[::1]:0", "[::1]:65536", "[::1]:80]", "[[::1]]:80", "[::g]:80",
		"nat", "exa mple.com:80", "b\xc3\xbc" "cher.example:80",
		"host:80\n", "host\n:80", NULL };
	char host[VALIDATE_HOST_MAX + 1], longhost[400];
	uint16_t port;

	endpoint_ok("example.com:51820", "example.com", 51820);
	endpoint_ok("1.2.3.4:1", "1.2.3.4", 1);
	endpoint_ok("1.2.3.4:65535", "1.2.3.4", 65535);
	endpoint_ok("[::1]:51820", "::1", 51820);
	endpoint_ok("[2001:db8::5]:443", "2001:db8::5", 443);
	endpoint_ok("[::ffff:1.2.3.4]:80", "::ffff:1.2.3.4", 80);
	endpoint_ok("host.example.:9", "host.example.", 9);
	for (size_t i = 0; bad[i] != NULL; i++)
		ck_assert_msg(validate_endpoint(bad[i], host, sizeof(host), &port) != 0,
		              "accepted bad endpoint \"%s\"", bad[i]);
	ck_assert_int_eq(validate_endpoint(NULL, host, sizeof(host), &port), -1);

	/* A host longer than the buffer is refused, never cut short. */
	repeat(longhost, 'a', 300);
	memcpy(longhost + 300, ":80", 4);
	ck_assert_int_eq(validate_endpoint(longhost, host, sizeof(host), &port), -1);
	ck_assert_int_eq(validate_endpoint("example.com:80", host, 5, &port), -1);
	ck_assert_int_eq(validate_endpoint("[2001:db8::5]:80", host, 5, &port), -1);
}
END_TEST

START_TEST(nat_word)
{
	ck_assert(validate_is_nat("nat"));
	ck_assert(validate_is_nat("NAT"));
	ck_assert(validate_is_nat("Nat"));
	ck_assert(!validate_is_nat("nat "));
	ck_assert(!validate_is_nat("na"));
	ck_assert(!validate_is_nat(""));
	ck_assert(!validate_is_nat(NULL));
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, name_lengths);
	tcase_add_test(tc, name_characters);
	tcase_add_test(tc, port_values);
	tcase_add_test(tc, hostnames);
	tcase_add_test(tc, endpoints);
	tcase_add_test(tc, nat_word);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(validate_suite)
