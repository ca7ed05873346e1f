using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace DeployOps.HostedRunner;

/// <summary>
/// When GetExportedTypes itself throws (the runtime cannot lay out a public type), reflection does not say which
/// type; this reads DeployOps.dll's metadata instead: every public type, loaded one by one, and for a type that
/// fails, each field (auto-property backing fields included) whose type comes from another assembly than the ones
/// PowerShell can resolve before OnImport.
/// </summary>
internal static class MetadataDiagnosis
{
    public static IEnumerable<(string Type, string Member, string Error)> Explain(Assembly assembly, string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var provider = new NameProvider();
        foreach (var handle in reader.TypeDefinitions)
        {
            var definition = reader.GetTypeDefinition(handle);
            var visibility = definition.Attributes & TypeAttributes.VisibilityMask;
            if (visibility is not (TypeAttributes.Public or TypeAttributes.NestedPublic)) continue;
            var name = FullName(reader, definition);
            Exception? failure = null;
            try
            {
                var type = assembly.GetType(name, throwOnError: true)!;
                _ = type.TypeHandle;
            }
            catch (Exception e)
            {
                failure = e;
            }
            if (failure is null) continue;

            var reported = false;
            foreach (var fieldHandle in definition.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                string signature;
                try
                {
                    signature = field.DecodeSignature(provider, null);
                }
                catch (BadImageFormatException)
                {
                    continue;
                }
                if (!signature.Contains("[DeployOps.Engine]", StringComparison.Ordinal)) continue;
                var member = reader.GetString(field.Name);
                if (member.StartsWith('<') && member.Contains(">k__BackingField", StringComparison.Ordinal))
                    member = member[1..member.IndexOf('>')] + " (auto-property)";
                reported = true;
                yield return (name, member, $"field of type {signature}: {failure.GetType().Name}: {failure.Message}");
            }
            if (!reported) yield return (name, "(type)", $"{failure.GetType().Name}: {failure.Message}");
        }
    }

    private static string FullName(MetadataReader reader, TypeDefinition definition)
    {
        var name = reader.GetString(definition.Name);
        if (definition.GetDeclaringType() is { IsNil: false } declaring)
            return FullName(reader, reader.GetTypeDefinition(declaring)) + "+" + name;
        var ns = reader.GetString(definition.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Type names as "[assembly]Namespace.Name", generic arguments in &lt;&gt;.</summary>
    private sealed class NameProvider : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) =>
            "[DeployOps]" + FullName(r, r.GetTypeDefinition(handle));
        public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = r.GetTypeReference(handle);
            var scope = reference.ResolutionScope;
            var prefix = scope.Kind switch
            {
                HandleKind.AssemblyReference => "[" + r.GetString(r.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) + "]",
                HandleKind.TypeReference => GetTypeFromReference(r, (TypeReferenceHandle)scope, rawTypeKind) + "+",
                _ => "",
            };
            var ns = r.GetString(reference.Namespace);
            return prefix + (ns.Length == 0 ? "" : ns + ".") + r.GetString(reference.Name);
        }
        public string GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            $"{genericType}<{string.Join(", ", typeArguments)}>";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[*]";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
    }
}
