// The Go Kratos v3 interop peer: `serve` runs a Kratos app (gRPC and HTTP servers, registered in
// etcd) implementing interop.v1.Greeter; `client` answers call commands read from stdin with
// Kratos's gRPC client and its protoc-gen-go-http client, both finding services through etcd.
// The line protocol is in the peer module.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-kratos/kratos/contrib/otel/v3/tracing"
	etcdregistry "github.com/go-kratos/kratos/contrib/registry/etcd/v2"
	kratosv2registry "github.com/go-kratos/kratos/v2/registry"
	"github.com/go-kratos/kratos/v3"
	"github.com/go-kratos/kratos/v3/errors"
	"github.com/go-kratos/kratos/v3/metadata"
	"github.com/go-kratos/kratos/v3/middleware"
	mdmw "github.com/go-kratos/kratos/v3/middleware/metadata"
	"github.com/go-kratos/kratos/v3/middleware/recovery"
	"github.com/go-kratos/kratos/v3/registry"
	"github.com/go-kratos/kratos/v3/transport/grpc"
	"github.com/go-kratos/kratos/v3/transport/http"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"atreus.test/interop/kratos/peer"
	v1 "atreus.test/interop/kratos/v3/api/interop/v1"
)

func main() {
	if len(os.Args) < 2 {
		peer.Fatal(fmt.Errorf("usage: peer serve|client [flags]"))
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		peer.Fatal(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}

type endpoints []string

func (e *endpoints) String() string     { return strings.Join(*e, ",") }
func (e *endpoints) Set(v string) error { *e = append(*e, v); return nil }

func etcdClient(endpoint string) *clientv3.Client {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		peer.Fatal(err)
	}
	return cli
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	name := fs.String("name", "kratos-go", "service name")
	id := fs.String("id", "", "instance id")
	etcd := fs.String("etcd", "", "etcd endpoint")
	ttl := fs.Duration("ttl", 15*time.Second, "registration lease TTL")
	grpcAddr := fs.String("grpc", "127.0.0.1:0", "gRPC address")
	httpAddr := fs.String("http", "127.0.0.1:0", "HTTP address")
	cert := fs.String("tls-cert", "", "serve gRPC with TLS: certificate")
	key := fs.String("tls-key", "", "serve gRPC with TLS: key")
	ca := fs.String("ca", "", "CA the relay clients trust")
	var override endpoints
	fs.Var(&override, "endpoint", "registered endpoint (repeatable; default: the servers')")
	_ = fs.Parse(args)

	tp := peer.TracerProvider(*name)
	otel.SetTracerProvider(tp)
	reg := etcdRegistry{etcdregistry.New(etcdClient(*etcd), etcdregistry.RegisterTTL(*ttl))}
	g := &greeter{id: *id, clients: newClients(reg, tp, *ca)}
	mw := grpc.Middleware(recovery.Recovery(), tracing.Server(tracing.WithTracerProvider(tp)), mdmw.Server())
	grpcOpts := []grpc.ServerOption{grpc.Address(*grpcAddr), mw}
	serverTLS, err := peer.ServerTLS(*cert, *key)
	if err != nil {
		peer.Fatal(err)
	}
	if serverTLS != nil {
		grpcOpts = append(grpcOpts, grpc.TLSConfig(serverTLS))
	}
	gs := grpc.NewServer(grpcOpts...)
	v1.RegisterGreeterServer(gs, g)
	hs := http.NewServer(http.Address(*httpAddr),
		http.Middleware(recovery.Recovery(), tracing.Server(tracing.WithTracerProvider(tp)), mdmw.Server()))
	v1.RegisterGreeterHTTPServer(hs, g)
	opts := []kratos.Option{
		kratos.ID(*id), kratos.Name(*name), kratos.Version("v3.0.0"),
		kratos.Server(gs, hs), kratos.Registrar(reg),
		kratos.AfterStart(func(ctx context.Context) error {
			info, _ := kratos.FromContext(ctx)
			peer.Print("READY", map[string]any{"id": info.ID(), "endpoints": info.Endpoint()})
			return nil
		}),
	}
	if len(override) > 0 {
		var urls []*url.URL
		for _, e := range override {
			u, err := url.Parse(e)
			if err != nil {
				peer.Fatal(err)
			}
			urls = append(urls, u)
		}
		opts = append(opts, kratos.Endpoint(urls...))
	}
	if err := kratos.New(opts...).Run(); err != nil {
		peer.Fatal(err)
	}
}

type greeter struct {
	v1.UnimplementedGreeterServer
	id      string
	clients *clients
}

func (g *greeter) SayHello(_ context.Context, in *v1.HelloRequest) (*v1.HelloReply, error) {
	return &v1.HelloReply{Message: "Hello " + in.Name, Server: g.id}, nil
}

func (g *greeter) Fail(_ context.Context, in *v1.FailRequest) (*v1.FailReply, error) {
	if in.GrpcCode != 0 {
		return nil, status.Error(codes.Code(in.GrpcCode), in.Message)
	}
	return nil, errors.New(int(in.Code), in.Reason, in.Message).WithMetadata(in.Metadata)
}

func (g *greeter) Relay(ctx context.Context, in *v1.RelayRequest) (*v1.RelayReply, error) {
	hop := &v1.Hop{Server: g.id, Metadata: map[string]*v1.Values{}}
	if md, ok := metadata.FromServerContext(ctx); ok {
		for k, vs := range md {
			hop.Metadata[k] = &v1.Values{Values: vs}
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		hop.TraceId, hop.SpanId = sc.TraceID().String(), sc.SpanID().String()
	}
	reply := &v1.RelayReply{Hops: []*v1.Hop{hop}}
	if len(in.Route) == 0 {
		return reply, nil
	}
	next := in.Route[0]
	call, err := g.clients.get(ctx, "discovery:///"+next.Service, next.Transport, false)
	if err != nil {
		return nil, err
	}
	r, err := call(ctx, "Relay", &v1.RelayRequest{Route: in.Route[1:]})
	if err != nil {
		return nil, err
	}
	reply.Hops = append(reply.Hops, r.(*v1.RelayReply).Hops...)
	return reply, nil
}

// invoke calls one method of Greeter over one transport.
type invoke func(ctx context.Context, method string, req proto.Message) (proto.Message, error)

type clients struct {
	mu    sync.Mutex
	byKey map[string]invoke
	reg   etcdRegistry
	mw    []middleware.Middleware
	ca    string
}

func newClients(reg etcdRegistry, tp *sdktrace.TracerProvider, ca string) *clients {
	return &clients{
		byKey: map[string]invoke{},
		reg:   reg,
		mw:    []middleware.Middleware{tracing.Client(tracing.WithTracerProvider(tp)), mdmw.Client()},
		ca:    ca,
	}
}

func (c *clients) get(ctx context.Context, target, transport string, secure bool) (invoke, error) {
	key := fmt.Sprintf("%s|%s|%v", target, transport, secure)
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.byKey[key]; ok {
		return f, nil
	}
	f, err := c.dial(ctx, target, transport, secure)
	if err == nil {
		c.byKey[key] = f
	}
	return f, err
}

func (c *clients) dial(ctx context.Context, target, transport string, secure bool) (invoke, error) {
	tlsConf, err := peer.ClientTLS(c.ca)
	if err != nil {
		return nil, err
	}
	switch transport {
	case "grpc":
		opts := []grpc.ClientOption{
			grpc.WithEndpoint(target), grpc.WithDiscovery(c.reg), grpc.WithMiddleware(c.mw...),
			grpc.WithTimeout(5 * time.Second),
		}
		if secure {
			opts = append(opts, grpc.WithTLSConfig(tlsConf))
		}
		conn, err := grpc.NewClient(ctx, opts...)
		if err != nil {
			return nil, err
		}
		gc := v1.NewGreeterClient(conn)
		return func(ctx context.Context, method string, req proto.Message) (proto.Message, error) {
			switch method {
			case "SayHello":
				return nilOnError(gc.SayHello(ctx, req.(*v1.HelloRequest)))
			case "Fail":
				return nilOnError(gc.Fail(ctx, req.(*v1.FailRequest)))
			default:
				return nilOnError(gc.Relay(ctx, req.(*v1.RelayRequest)))
			}
		}, nil
	case "http":
		bound, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		opts := []http.ClientOption{
			http.WithEndpoint(target), http.WithDiscovery(c.reg), http.WithMiddleware(c.mw...),
			http.WithTimeout(5 * time.Second), http.WithBlock(),
		}
		if secure {
			opts = append(opts, http.WithTLSConfig(tlsConf))
		}
		cc, err := http.NewClient(bound, opts...)
		if err != nil {
			return nil, err
		}
		hc := v1.NewGreeterHTTPClient(cc)
		return func(ctx context.Context, method string, req proto.Message) (proto.Message, error) {
			switch method {
			case "SayHello":
				return nilOnError(hc.SayHello(ctx, req.(*v1.HelloRequest)))
			case "Fail":
				return nilOnError(hc.Fail(ctx, req.(*v1.FailRequest)))
			default:
				return nilOnError(hc.Relay(ctx, req.(*v1.RelayRequest)))
			}
		}, nil
	}
	return nil, fmt.Errorf("unknown transport %q", transport)
}

func nilOnError[T proto.Message](reply T, err error) (proto.Message, error) {
	if err != nil {
		return nil, err
	}
	return reply, nil
}

func newRequest(method string) proto.Message {
	switch method {
	case "SayHello":
		return &v1.HelloRequest{}
	case "Fail":
		return &v1.FailRequest{}
	default:
		return &v1.RelayRequest{}
	}
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	etcd := fs.String("etcd", "", "etcd endpoint")
	ca := fs.String("ca", "", "CA trusted by TLS calls")
	_ = fs.Parse(args)
	tp := peer.TracerProvider("kratos-go-client")
	otel.SetTracerProvider(tp)
	cs := newClients(etcdRegistry{etcdregistry.New(etcdClient(*etcd))}, tp, *ca)
	tracer := tp.Tracer("peer")
	peer.Print("READY", map[string]any{"client": true})
	peer.Serve(func(ctx context.Context, cmd peer.Command) peer.Result {
		res := peer.Result{ID: cmd.ID}
		ctx, span := tracer.Start(ctx, "command")
		defer span.End()
		res.TraceID = span.SpanContext().TraceID().String()
		req := newRequest(cmd.Method)
		if len(cmd.Request) > 0 {
			if err := protojson.Unmarshal(cmd.Request, req); err != nil {
				res.Error = &peer.Error{Code: 400, Message: err.Error()}
				return res
			}
		}
		md := metadata.New()
		for k, vs := range cmd.Metadata {
			for _, v := range vs {
				md.Add(k, v)
			}
		}
		ctx = metadata.NewClientContext(ctx, md)
		call, err := cs.get(ctx, cmd.Target, cmd.Transport, cmd.TLS)
		if err != nil {
			res.Error = &peer.Error{Code: 500, Message: "dial: " + err.Error()}
			return res
		}
		reply, err := call(ctx, cmd.Method, req)
		if err != nil {
			e := errors.FromError(err)
			res.Error = &peer.Error{Code: e.Code, Reason: e.Reason, Message: e.Message, Metadata: e.Metadata}
			if cmd.Transport == "grpc" {
				if st, ok := status.FromError(err); ok {
					c := int(st.Code())
					res.Error.GrpcCode = &c
				}
			}
			return res
		}
		res.Reply, _ = json.Marshal(json.RawMessage(must(protojson.Marshal(reply))))
		return res
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		return []byte(fmt.Sprintf("{\"marshalError\":%q}", err.Error()))
	}
	return b
}

// The proxy does not serve github.com/go-kratos/kratos/contrib/registry/etcd/v3; its code at
// v3.0.0 differs from the v2 module's (at the v2.9.2 commit) only in the registry import path,
// so the v3 peer runs the v2 module's registry behind the v3 interfaces.
type etcdRegistry struct{ r *etcdregistry.Registry }

var (
	_ registry.Registrar = etcdRegistry{}
	_ registry.Discovery = etcdRegistry{}
)

func toV2(s *registry.ServiceInstance) *kratosv2registry.ServiceInstance {
	return &kratosv2registry.ServiceInstance{
		ID: s.ID, Name: s.Name, Version: s.Version, Metadata: s.Metadata, Endpoints: s.Endpoints,
	}
}

func fromV2(list []*kratosv2registry.ServiceInstance) []*registry.ServiceInstance {
	out := make([]*registry.ServiceInstance, 0, len(list))
	for _, s := range list {
		out = append(out, &registry.ServiceInstance{
			ID: s.ID, Name: s.Name, Version: s.Version, Metadata: s.Metadata, Endpoints: s.Endpoints,
		})
	}
	return out
}

func (e etcdRegistry) Register(ctx context.Context, s *registry.ServiceInstance) error {
	return e.r.Register(ctx, toV2(s))
}

func (e etcdRegistry) Deregister(ctx context.Context, s *registry.ServiceInstance) error {
	return e.r.Deregister(ctx, toV2(s))
}

func (e etcdRegistry) GetService(ctx context.Context, name string) ([]*registry.ServiceInstance, error) {
	list, err := e.r.GetService(ctx, name)
	return fromV2(list), err
}

func (e etcdRegistry) Watch(ctx context.Context, name string) (registry.Watcher, error) {
	w, err := e.r.Watch(ctx, name)
	if err != nil {
		return nil, err
	}
	return watcher{w}, nil
}

type watcher struct{ w kratosv2registry.Watcher }

func (w watcher) Next() ([]*registry.ServiceInstance, error) {
	list, err := w.w.Next()
	return fromV2(list), err
}

func (w watcher) Stop() error { return w.w.Stop() }
