package org.leo.appliance.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written OpenAPI document (META-INF/resources/openapi.yaml, served at /openapi.yaml) and ApiResource agree:
 * every resource method is in the document with its path, HTTP method and roles (x-roles), and the document lists
 * nothing the resource does not serve. (The SmallRye OpenAPI extension's deployment artifact is not served for
 * Quarkus 3.37.4 here, docs/groundwork/issue-14-service.md.)
 */
class OpenApiContractTest {
    private static final Pattern PATH = Pattern.compile("^  (/api\\S*):\\s*$");
    private static final Pattern METHOD = Pattern.compile("^    (get|post|put|delete):\\s*$");
    private static final Pattern ROLES = Pattern.compile("^      x-roles: \\[(.*)]\\s*$");

    /** "GET /api/hpcs/{mac}" -> roles, from the resource's annotations. */
    static Map<String, Set<String>> fromResource() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        String base = ApiResource.class.getAnnotation(Path.class).value();
        for (Method m : ApiResource.class.getDeclaredMethods()) {
            String verb = m.isAnnotationPresent(GET.class) ? "GET" : m.isAnnotationPresent(POST.class) ? "POST" : null;
            if (verb == null) {
                continue;
            }
            Path p = m.getAnnotation(Path.class);
            RolesAllowed r = m.getAnnotation(RolesAllowed.class);
            out.put(verb + " " + base + (p == null ? "" : p.value()), r == null ? Set.of() : new TreeSet<>(Arrays.asList(r.value())));
        }
        return out;
    }

    /** The same, from the document. */
    static Map<String, Set<String>> fromDocument() throws IOException {
        String doc;
        try (InputStream in = OpenApiContractTest.class.getResourceAsStream("/META-INF/resources/openapi.yaml")) {
            assertThat(in).as("openapi.yaml on the class path").isNotNull();
            doc = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String line : doc.split("\n")) {
            // YAML reads "key: a: b" as a nested mapping: a value with ": " in it must be quoted
            String entry = line.strip().replaceFirst("^- ", "");
            if (entry.startsWith("{") || !entry.matches("^[A-Za-z0-9_$\"{}/-]+:\\s.*")) {
                continue; // not a key: value line (a folded block's text, a list item)
            }
            String value = entry.replaceFirst("^[A-Za-z0-9_$\"{}/-]+:\\s*", "");
            assertThat(value.startsWith("\"") || value.startsWith("{") || value.startsWith("[") || !value.contains(": "))
                    .as("openapi.yaml: unquoted ': ' in %s", line).isTrue();
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        String path = null;
        String verb = null;
        for (String line : doc.split("\n")) {
            Matcher p = PATH.matcher(line);
            Matcher v = METHOD.matcher(line);
            Matcher r = ROLES.matcher(line);
            if (p.matches()) {
                path = p.group(1);
                verb = null;
            } else if (v.matches() && path != null) {
                verb = v.group(1).toUpperCase(java.util.Locale.ROOT);
                out.put(verb + " " + path, null);
            } else if (r.matches() && verb != null) {
                List<String> roles = new ArrayList<>();
                for (String s : r.group(1).split(",")) {
                    if (!s.isBlank()) {
                        roles.add(s.strip());
                    }
                }
                out.put(verb + " " + path, new TreeSet<>(roles));
            }
        }
        return out;
    }

    @Test
    void everyOperationIsDocumentedWithItsRolesAndNothingElseIs() throws IOException {
        Map<String, Set<String>> resource = fromResource();
        Map<String, Set<String>> document = fromDocument();
        assertThat(resource).as("ApiResource's operations").hasSizeGreaterThanOrEqualTo(11);
        assertThat(document).as("openapi.yaml against ApiResource (operation -> x-roles)").isEqualTo(resource);
    }
}
