// Package peer holds the parts of the Go Kratos interop peers that do not depend on the Kratos
// major: the line protocol the TypeScript tests drive, the span printer, and TLS loading.
//
// Every line a peer prints for the test starts with a tag: READY (a server is registered),
// RESULT (the answer to one client command), SPAN (an ended OpenTelemetry span). Anything else
// (Kratos's own logs) is ignored by the tests.
package peer

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

var out sync.Mutex

// Print writes one tagged JSON line to stdout.
func Print(tag string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"marshal_error": err.Error()})
	}
	out.Lock()
	defer out.Unlock()
	fmt.Fprintf(os.Stdout, "%s %s\n", tag, b)
}

// Command is one client call the test asks for, read as a JSON line from stdin.
type Command struct {
	ID int `json:"id"`
	// Target is a Kratos endpoint: discovery:///name or host:port.
	Target string `json:"target"`
	// Transport is "grpc" or "http".
	Transport string `json:"transport"`
	// Method is SayHello, Fail or Relay.
	Method string `json:"method"`
	// Request is the request message in protojson.
	Request json.RawMessage `json:"request"`
	// Metadata goes into the client context (metadata.Client sends it).
	Metadata map[string][]string `json:"metadata"`
	// TLS dials with TLS, trusting the CA given to the peer.
	TLS bool `json:"tls"`
}

// Error is a Kratos error as errors.FromError reads it, plus the gRPC code on the wire.
type Error struct {
	Code     int32             `json:"code"`
	Reason   string            `json:"reason"`
	Message  string            `json:"message"`
	Metadata map[string]string `json:"metadata"`
	GrpcCode *int              `json:"grpcCode,omitempty"`
}

// Result answers one command.
type Result struct {
	ID      int             `json:"id"`
	Reply   json.RawMessage `json:"reply,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	TraceID string          `json:"traceId,omitempty"`
}

// Serve reads commands from stdin until it closes and answers each, concurrently.
func Serve(handle func(context.Context, Command) Result) {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	var wg sync.WaitGroup
	for scanner.Scan() {
		var cmd Command
		if err := json.Unmarshal(scanner.Bytes(), &cmd); err != nil {
			Print("RESULT", Result{ID: -1, Error: &Error{Code: 400, Message: err.Error()}})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			Print("RESULT", handle(context.Background(), cmd))
		}()
	}
	wg.Wait()
}

// Span is what the SPAN lines carry.
type Span struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	TraceID      string `json:"traceId"`
	SpanID       string `json:"spanId"`
	ParentSpanID string `json:"parentSpanId"`
	Service      string `json:"service"`
}

type printer struct{ service string }

func (p printer) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		parent := ""
		if s.Parent().IsValid() {
			parent = s.Parent().SpanID().String()
		}
		Print("SPAN", Span{
			Name:         s.Name(),
			Kind:         s.SpanKind().String(),
			TraceID:      s.SpanContext().TraceID().String(),
			SpanID:       s.SpanContext().SpanID().String(),
			ParentSpanID: parent,
			Service:      p.service,
		})
	}
	return nil
}

func (printer) Shutdown(context.Context) error { return nil }

// TracerProvider records every span and prints it as a SPAN line when it ends.
func TracerProvider(service string) *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(printer{service: service}),
	)
}

// ServerTLS loads a certificate and key; nil when both paths are empty.
func ServerTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// ClientTLS trusts the CA in caFile; nil when the path is empty.
func ClientTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, nil
}

// Fatal prints err and exits 1.
func Fatal(err error) {
	fmt.Fprintln(os.Stderr, "peer:", err)
	os.Exit(1)
}
