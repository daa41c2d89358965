// k8s-strict decodes every object of a multi-document YAML stream (stdin) into its Go type from
// k8s.io/api with strict decoding, the way the API server's field validation does: an unknown or
// duplicated field is an error. It complements the OpenAPI check (k8s-validate.mjs), whose
// schemas allow unknown fields. Kinds the client-go scheme does not know (CRDs such as
// ServiceMonitor) are reported as skipped.
//
// Output: one JSON object per document on stdout; exit status 1 when any object failed.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

type result struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Status string `json:"status"` // ok, skipped, invalid
	Error  string `json:"error,omitempty"`
}

func main() {
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	out := json.NewEncoder(os.Stdout)
	failed := false
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-strict: cannot read input:", err)
			os.Exit(2)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		raw, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			failed = true
			_ = out.Encode(result{Status: "invalid", Error: err.Error()})
			continue
		}
		if string(raw) == "null" {
			continue
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(raw, &meta)
		r := result{Kind: meta.Kind, Name: meta.Metadata.Name, Status: "ok"}
		if _, _, err := decoder.Decode(raw, nil, nil); err != nil {
			if runtime.IsNotRegisteredError(err) {
				r.Status = "skipped"
			} else {
				failed = true
				r.Status = "invalid"
				r.Error = err.Error()
			}
		}
		_ = out.Encode(r)
	}
	if failed {
		os.Exit(1)
	}
}
