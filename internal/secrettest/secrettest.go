// Package secrettest serves a fake Google Secret Manager in the test's process, for
// tests of API keys delivered by reference (llm.ResolveKey).
//
// It covers AccessSecretVersion only: a version's payload by its full name, NotFound for
// an unknown name, PermissionDenied for a name marked Denied, and a count of the calls.
// It does not check IAM policies, credentials (clients reach it with
// option.WithoutAuthentication over plaintext gRPC), "latest" aliases, disabled or
// destroyed versions, payload checksums, or any other RPC.
package secrettest

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xinstruct/xinstruct/io/llm"
)

// Server is a fake Secret Manager. Its zero value is not usable; call Start.
type Server struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer

	Addr  string       // host:port it listens on
	Calls atomic.Int64 // AccessSecretVersion calls answered, found or not

	mu      sync.Mutex
	secrets map[string][]byte
	denied  map[string]bool
}

// Start serves a fake Secret Manager until the test ends, and points llm.ResolveKey at
// it through llm.SecretManagerEmulatorEnv (t.Setenv: not for parallel tests).
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String(), secrets: map[string][]byte{}, denied: map[string]bool{}}
	g := grpc.NewServer()
	secretmanagerpb.RegisterSecretManagerServiceServer(g, s)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	t.Setenv(llm.SecretManagerEmulatorEnv, s.Addr)
	return s
}

// Set stores payload as the secret version name (projects/P/secrets/S/versions/V).
func (s *Server) Set(name string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[name] = payload
}

// Deny makes reads of name fail with PermissionDenied, as a missing
// roles/secretmanager.secretAccessor would.
func (s *Server) Deny(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[name] = true
}

// AccessSecretVersion implements secretmanagerpb.SecretManagerServiceServer.
func (s *Server) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	s.Calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied[req.GetName()] {
		return nil, status.Errorf(codes.PermissionDenied, "Permission 'secretmanager.versions.access' denied for resource '%s'", req.GetName())
	}
	p, ok := s.secrets[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", req.GetName())
	}
	return &secretmanagerpb.AccessSecretVersionResponse{Name: req.GetName(), Payload: &secretmanagerpb.SecretPayload{Data: p}}, nil
}
