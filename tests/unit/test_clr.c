/* The contract-descriptor accessors on descriptors written by hand from the format's
 * documentation (dotnet/runtime docs/design/datacontracts/data_descriptor.md): offsets as
 * numbers, [offset, "type"] pairs, hex and decimal strings, direct and indirect globals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heapdiff/clr.h"

static const char doc[] =
    "{\"version\": 0, \"baseline\": \"empty\","
    " \"types\": {\"MethodTable\": {\"!\": 64, \"MTFlags\": 0, \"BaseSize\": 4,"
    "                              \"Module\": [24, \"pointer\"]},"
    "            \"Thread\": {\"Id\": \"0x10\", \"Next\": [\"24\", \"pointer\"]}},"
    " \"globals\": {\"ObjectHeaderSize\": 8, \"FreeObjectMethodTable\": [3],"
    "              \"DirectTyped\": [99, \"int\"], \"IndirectTyped\": [[1], \"pointer\"],"
    "              \"Hex\": \"0x20\", \"Dec\": \"42\", \"OutOfRange\": [7], \"Junk\": \"x1\"},"
    " \"contracts\": {\"GC\": 1, \"Loader\": \"c1\"}}";

static uint64_t pointers[] = {100, 200, 300, 400};

static void load(hd_clr_runtime *rt, const char *json)
{
    memset(rt, 0, sizeof *rt);
    rt->json = strdup(json);
    rt->json_len = (uint32_t)strlen(json);
    rt->pointer_data = malloc(sizeof pointers);
    memcpy(rt->pointer_data, pointers, sizeof pointers);
    rt->n_pointer_data = 4;
}

static void t_accessors(void **state)
{
    (void)state;
    hd_clr_runtime rt;
    load(&rt, doc);
    assert_int_equal(hd_clr_parse(&rt), HD_OK);
    assert_int_equal(rt.contract_version, 0);
    assert_int_equal(rt.n_types, 2);
    assert_int_equal(rt.n_globals, 8);
    assert_int_equal(rt.n_contracts, 2);
    assert_string_equal(rt.contracts, "GC 1, Loader c1");
    uint64_t v = 0;
    assert_int_equal(hd_clr_type_size(&rt, "MethodTable", &v), HD_OK);
    assert_int_equal(v, 64);
    assert_int_equal(hd_clr_type_size(&rt, "Thread", &v), HD_EINPUT); /* no "!" */
    assert_int_equal(hd_clr_field(&rt, "MethodTable", "MTFlags", &v), HD_OK);
    assert_int_equal(v, 0);
    assert_int_equal(hd_clr_field(&rt, "MethodTable", "BaseSize", &v), HD_OK);
    assert_int_equal(v, 4);
    assert_int_equal(hd_clr_field(&rt, "MethodTable", "Module", &v), HD_OK);
    assert_int_equal(v, 24);
    assert_int_equal(hd_clr_field(&rt, "Thread", "Id", &v), HD_OK);
    assert_int_equal(v, 16);
    assert_int_equal(hd_clr_field(&rt, "Thread", "Next", &v), HD_OK);
    assert_int_equal(v, 24);
    assert_int_equal(hd_clr_field(&rt, "MethodTable", "!", &v), HD_EINPUT);
    assert_int_equal(hd_clr_field(&rt, "MethodTable", "Nope", &v), HD_EINPUT);
    assert_int_equal(hd_clr_field(&rt, "Nope", "BaseSize", &v), HD_EINPUT);
    assert_int_equal(hd_clr_global(&rt, "ObjectHeaderSize", &v), HD_OK);
    assert_int_equal(v, 8);
    assert_int_equal(hd_clr_global(&rt, "FreeObjectMethodTable", &v), HD_OK);
    assert_int_equal(v, 400); /* [3]: pointer_data[3] */
    assert_int_equal(hd_clr_global(&rt, "DirectTyped", &v), HD_OK);
    assert_int_equal(v, 99);
    assert_int_equal(hd_clr_global(&rt, "IndirectTyped", &v), HD_OK);
    assert_int_equal(v, 200); /* [[1], "pointer"]: pointer_data[1] */
    assert_int_equal(hd_clr_global(&rt, "Hex", &v), HD_OK);
    assert_int_equal(v, 32);
    assert_int_equal(hd_clr_global(&rt, "Dec", &v), HD_OK);
    assert_int_equal(v, 42);
    assert_int_equal(hd_clr_global(&rt, "OutOfRange", &v), HD_EINPUT);
    assert_int_equal(hd_clr_global(&rt, "Junk", &v), HD_EINPUT);
    assert_int_equal(hd_clr_global(&rt, "Nope", &v), HD_EINPUT);
    hd_clr_runtime_free(&rt);
}

static void t_bad_json(void **state)
{
    (void)state;
    static const char *bad[] = {"", "[1, 2]", "{\"types\": ", "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hd_clr_runtime rt;
        load(&rt, bad[i]);
        assert_int_equal(hd_clr_parse(&rt), HD_EINPUT);
        assert_true(strstr(rt.why, "JSON") != NULL);
        uint64_t v;
        assert_int_equal(hd_clr_global(&rt, "X", &v), HD_EINPUT);
        hd_clr_runtime_free(&rt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_accessors),
        cmocka_unit_test(t_bad_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
