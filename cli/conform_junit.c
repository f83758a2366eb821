/* JUnit XML of the conform runners' cases (cli/conform_report.h): one
 * <testcase> per case; a failure and an unexpected pass are <failure>, an
 * expected failure is <skipped> with its reason, so CI dashboards show the
 * deviations a port lists without turning red. */
#include <stdio.h>
#include <string.h>

#include "conform_report.h"

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc('?', f); /* not allowed in XML 1.0 */
		else
			fputc(c, f);
	}
}

static const char *case_str(const cJSON *c, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void junit_case(FILE *f, const char *suite, const cJSON *c)
{
	const char *status = case_str(c, "status");
	fprintf(f, "    <testcase classname=\"cwprogress.conform.%s\" name=\"", suite);
	xml_text(f, case_str(c, "name"));
	fprintf(f, "\" time=\"%.3f\">",
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "seconds")));
	if (!strcmp(status, "fail")) {
		fputs("\n      <failure message=\"failed rules ", f);
		char *br =
		    cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "failed_rules"));
		xml_text(f, br);
		cJSON_free(br);
		fputs("\">", f);
		xml_text(f, case_str(c, "details"));
		fputs("</failure>\n    ", f);
	} else if (!strcmp(status, "xfail")) {
		fputs("\n      <skipped message=\"expected failure: ", f);
		xml_text(f, case_str(c, "expect_fail_reason"));
		fputs("\"/>\n    ", f);
	} else if (!strcmp(status, "xpass")) {
		fputs("\n      <failure message=\"unexpected pass: listed as expected to fail (",
		      f);
		xml_text(f, case_str(c, "expect_fail_reason"));
		fputs(")\"/>\n    ", f);
	}
	fputs("</testcase>\n", f);
}

int cwp__conform_junit_write(const char *path, const char *runner, const cJSON *cases)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	unsigned n = 0, failures = 0, skipped = 0;
	double total = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, cases)
	{
		const char *status = case_str(c, "status");
		n++;
		failures += !strcmp(status, "fail") || !strcmp(status, "xpass");
		skipped += !strcmp(status, "xfail");
		total += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "seconds"));
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f,
		"  <testsuite name=\"cwprogress-conform-%s\" tests=\"%u\" failures=\"%u\" "
		"errors=\"0\" skipped=\"%u\" time=\"%.3f\">\n",
		runner, n, failures, skipped, total);
	cJSON_ArrayForEach(c, cases)
	{
		junit_case(f, runner, c);
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) == 0 ? 0 : -1;
}
