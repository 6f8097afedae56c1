// Oracle for src/clr/metadata.c: prints, with System.Reflection.Metadata, what tests/dotnet/
// mdnames.c prints with heapdiff's reader, for tests/dotnet/metadata.sh to compare line by line:
//   module<TAB>NAME
//   assembly<TAB>NAME            ("?" for a module without an Assembly row)
//   RID<TAB>FULLNAME             for every TypeDef row, in rid order
//   typeref<TAB>RID<TAB>FULLNAME for every TypeRef row
// FULLNAME is "Namespace.Name" ("Name" when the namespace is empty), nested types joined with
// '+' from the outermost (each level keeps its own namespace when it has one), generic arity
// suffixes ("`1") kept: the raw form the runtime prints before it adds type arguments.
// With no argument it prints the path of the running System.Private.CoreLib.dll.
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;

static class MdOracle
{
    static string Level(MetadataReader md, StringHandle ns, StringHandle name)
    {
        string n = md.GetString(ns);
        return n.Length == 0 ? md.GetString(name) : n + "." + md.GetString(name);
    }

    static string TypeDefName(MetadataReader md, TypeDefinitionHandle h)
    {
        var parts = new List<string>();
        for (int depth = 0; !h.IsNil && depth < 256; depth++)
        {
            TypeDefinition td = md.GetTypeDefinition(h);
            parts.Add(Level(md, td.Namespace, td.Name));
            h = td.GetDeclaringType();
        }
        parts.Reverse();
        return string.Join("+", parts);
    }

    static string TypeRefName(MetadataReader md, TypeReferenceHandle h)
    {
        var parts = new List<string>();
        for (int depth = 0; depth < 256; depth++)
        {
            TypeReference tr = md.GetTypeReference(h);
            parts.Add(Level(md, tr.Namespace, tr.Name));
            if (tr.ResolutionScope.Kind != HandleKind.TypeReference) break;
            h = (TypeReferenceHandle)tr.ResolutionScope;
        }
        parts.Reverse();
        return string.Join("+", parts);
    }

    static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.WriteLine(typeof(object).Assembly.Location);
            return 0;
        }
        using var stream = File.OpenRead(args[0]);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var o = new StringBuilder();
        o.Append("module\t").Append(md.GetString(md.GetModuleDefinition().Name)).Append('\n');
        o.Append("assembly\t")
            .Append(md.IsAssembly ? md.GetString(md.GetAssemblyDefinition().Name) : "?")
            .Append('\n');
        foreach (TypeDefinitionHandle h in md.TypeDefinitions)
            o.Append(MetadataTokens.GetRowNumber(h)).Append('\t').Append(TypeDefName(md, h)).Append('\n');
        foreach (TypeReferenceHandle h in md.TypeReferences)
            o.Append("typeref\t").Append(MetadataTokens.GetRowNumber(h)).Append('\t')
                .Append(TypeRefName(md, h)).Append('\n');
        var stdout = Console.OpenStandardOutput();
        byte[] bytes = new UTF8Encoding(false).GetBytes(o.ToString());
        stdout.Write(bytes, 0, bytes.Length);
        return 0;
    }
}
