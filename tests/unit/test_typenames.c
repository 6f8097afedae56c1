/* Type-name normalisation (hd_type_base_len) and kind guessing (hd_type_classify). The suffix
 * forms are the ones dotnet-gcdump (GetObjectSizeSuffix) and PerfView's 4.x heap dumper write,
 * as seen in the real fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "heapdiff/graph.h"

static size_t base(const char *s)
{
    return hd_type_base_len(s, strlen(s));
}

static void t_base_names(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"System.Byte[] (Bytes > 1K)", "System.Byte[]"},
        {"System.Byte[] (Bytes > 10K)", "System.Byte[]"},
        {"System.Byte[] (Bytes > 100M)", "System.Byte[]"},
        {"System.Object[] (Ptrs,ElemSize=4)", "System.Object[]"},
        {"System.Byte[] (Bytes > 10K,NoPtrs,ElemSize=1)", "System.Byte[]"},
        {"System.Object[] (Bytes > 1K,Ptrs,ElemSize=4)", "System.Object[]"},
        {"Foo (Bar) (Bytes > 1K)", "Foo (Bar)"},
        /* Not size buckets: kept whole. */
        {"System.Byte[]", "System.Byte[]"},
        {"(Type  JSGlobal)", "(Type  JSGlobal)"},
        {"RegExp (Type  JSFunction)", "RegExp (Type  JSFunction)"},
        {"X (Bytes > )", "X (Bytes > )"},
        {"X (Bytes > 1K,)", "X (Bytes > 1K,)"},
        {"X (Ptrs,ElemSize=)", "X (Ptrs,ElemSize=)"},
        {"X ()", "X ()"},
        {" (Bytes > 1K)", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = base(cases[i].in);
        if (n != strlen(cases[i].out) || strncmp(cases[i].in, cases[i].out, n) != 0)
            fail_msg("\"%s\": base length %zu, expected \"%s\"", cases[i].in, n, cases[i].out);
    }
}

static void t_interned_base(void **state)
{
    (void)state;
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    hd_graph_init(&g);
    uint32_t a, b, c;
    const char *n1 = "System.Byte[] (Bytes > 10K)", *n2 = "System.Byte[]";
    assert_int_equal(hd_typetab_intern(&g.types, n1, strlen(n1), NULL, 0, &a, &err), HD_OK);
    assert_int_equal(hd_typetab_intern(&g.types, n2, strlen(n2), NULL, 0, &b, &err), HD_OK);
    assert_int_equal(hd_typetab_intern(&g.types, n1, strlen(n1), NULL, 0, &c, &err), HD_OK);
    assert_int_not_equal(a, b); /* interned as written */
    assert_int_equal(a, c);
    assert_string_equal(hd_type_name(&g, a), n1);
    assert_string_equal(hd_type_base_name(&g, a), n2);
    assert_string_equal(hd_type_base_name(&g, b), n2);
    hd_graph_free(&g);
}

static void t_classify(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int kind, root;
    } cases[] = {
        {"[.NET Roots]", HD_KIND_PSEUDO, HD_ROOT_OTHER},
        {"[static vars]", HD_KIND_PSEUDO, HD_ROOT_STATIC},
        {"[static var System.Enum.fieldInfoHash]", HD_KIND_PSEUDO, HD_ROOT_STATIC},
        {"[local vars]", HD_KIND_PSEUDO, HD_ROOT_STACK},
        {"[Strong handles]", HD_KIND_PSEUDO, HD_ROOT_STRONG},
        {"[Pinned handles]", HD_KIND_PSEUDO, HD_ROOT_PINNED},
        {"[pinning Handles]", HD_KIND_PSEUDO, HD_ROOT_PINNED},
        {"[finalizer Handles]", HD_KIND_PSEUDO, HD_ROOT_FINALIZER},
        {"UNDEFINED", HD_KIND_PSEUDO, HD_ROOT_NONE},
        {"[RCW mscorlib!System.__ComObject RefCnt: 2]", HD_KIND_OBJECT, HD_ROOT_NONE},
        {"System.String", HD_KIND_STRING, HD_ROOT_NONE},
        {"System.String (Bytes > 1K)", HD_KIND_STRING, HD_ROOT_NONE},
        {"System.StringComparer", HD_KIND_OBJECT, HD_ROOT_NONE},
        {"System.Int32[,]", HD_KIND_ARRAY, HD_ROOT_NONE},
        {"System.Byte[] (Bytes > 1K)", HD_KIND_ARRAY, HD_ROOT_NONE},
        {"Free", HD_KIND_FREE, HD_ROOT_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t kind, root;
        hd_type_classify(cases[i].name, strlen(cases[i].name), &kind, &root);
        if (kind != cases[i].kind || root != cases[i].root)
            fail_msg("\"%s\": kind %d root %d, expected %d %d", cases[i].name, kind, root,
                     cases[i].kind, cases[i].root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_base_names),
        cmocka_unit_test(t_interned_base),
        cmocka_unit_test(t_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
