package llm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// The API key reaches a Client through a reference (Config.APIKeySecret), never as a
// value: the Config is serialized into DoFns and pipeline options, and a key there would
// be in the job's graph, its logs and the runner's UI. The reference is resolved where
// the Client is built, on the worker (and in the launcher for the pre-flight):
//
//   - ""                                   $OPENAI_API_KEY, as before (local runs)
//   - "env:NAME"                           the environment variable NAME of the process
//     (set by the worker image, or by a Kubernetes Secret on Flink TaskManagers)
//   - "projects/P/secrets/S/versions/V"    a Google Secret Manager secret version, read
//     with Application Default Credentials (on Dataflow: the worker service account,
//     which needs roles/secretmanager.secretAccessor on the secret)

// SecretManagerEmulatorEnv names an environment variable that, when set to host:port,
// makes ResolveKey read Secret Manager references from a server there over plaintext
// gRPC without credentials. It is for tests and emulators only; real runs leave it unset
// and use Application Default Credentials.
const SecretManagerEmulatorEnv = "SECRET_MANAGER_EMULATOR_HOST"

var (
	envRef    = regexp.MustCompile(`^env:[A-Za-z_][A-Za-z0-9_]*$`)
	secretRef = regexp.MustCompile(`^projects/[^/\s]+/secrets/[^/\s]+/versions/[^/\s]+$`)
)

// ValidateKeyRef reports whether ref is a key reference ResolveKey understands. Its
// error never repeats ref: a key pasted where a reference belongs must not reach a log.
func ValidateKeyRef(ref string) error {
	if ref == "" || envRef.MatchString(ref) || secretRef.MatchString(ref) {
		return nil
	}
	return errors.New("the API key secret is not a reference: want env:NAME or projects/P/secrets/S/versions/V (the value given is not repeated here, in case it is a key)")
}

// KeySource describes where ref's key is read from, for messages. It holds no secret.
func KeySource(ref string) string {
	switch {
	case ref == "":
		return "$" + APIKeyEnv
	case strings.HasPrefix(ref, "env:"):
		return "$" + strings.TrimPrefix(ref, "env:")
	case secretRef.MatchString(ref):
		return "Secret Manager " + ref
	}
	return "an invalid reference"
}

// keyCache holds the keys read from Secret Manager, per emulator host and reference, for
// the life of the process: every Client of a worker (one per DoFn instance) shares one
// read. Environment references are not cached: the environment is its own cache, and
// reading it anew lets tests change it.
var keyCache sync.Map // [2]string{host, ref} -> string

// ResolveKey returns the API key ref points at. "" and env:NAME read the environment
// ("" may resolve to an empty key, as before, for servers that need none; an unset or
// empty env:NAME is an error); a Secret Manager version is read once per process. The
// error says why the key could not be read and never contains a key.
func ResolveKey(ctx context.Context, ref string) (string, error) {
	if err := ValidateKeyRef(ref); err != nil {
		return "", err
	}
	switch {
	case ref == "":
		return os.Getenv(APIKeyEnv), nil
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		v := os.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("$%s is unset or empty in this process", name)
		}
		return v, nil
	}
	host := os.Getenv(SecretManagerEmulatorEnv)
	if v, ok := keyCache.Load([2]string{host, ref}); ok {
		return v.(string), nil
	}
	key, err := accessSecret(ctx, host, ref)
	if err != nil {
		return "", err
	}
	keyCache.Store([2]string{host, ref}, key)
	return key, nil
}

// accessSecret reads one Secret Manager secret version. Trailing white space is dropped:
// `echo $KEY | gcloud secrets create` stores a newline.
func accessSecret(ctx context.Context, host, ref string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var opts []option.ClientOption
	if host != "" {
		// Tests and emulators only: plaintext, no credentials.
		opts = append(opts, option.WithEndpoint(host), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	}
	c, err := secretmanager.NewClient(ctx, opts...)
	if err != nil {
		return "", fmt.Errorf("Secret Manager client for %s: %s (are Application Default Credentials set up?)", ref, firstLine(err.Error(), 200))
	}
	defer c.Close()
	resp, err := c.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: ref})
	if err != nil {
		return "", fmt.Errorf("Secret Manager %s: %s", ref, secretHint(err))
	}
	key := strings.TrimRight(string(resp.GetPayload().GetData()), " \t\r\n")
	if key == "" {
		return "", fmt.Errorf("Secret Manager %s: the secret version is empty", ref)
	}
	return key, nil
}

// secretHint turns a Secret Manager error into what to change. The server's message
// names the resource, never the payload.
func secretHint(err error) string {
	s, ok := status.FromError(err)
	if !ok {
		return firstLine(err.Error(), 200)
	}
	switch s.Code() {
	case codes.PermissionDenied:
		return "permission denied: grant this process's service account roles/secretmanager.secretAccessor on the secret"
	case codes.NotFound:
		return "not found: check the project, secret name and version"
	case codes.Unauthenticated:
		return "unauthenticated: no usable Application Default Credentials"
	case codes.FailedPrecondition:
		return "the secret version is disabled or destroyed: " + firstLine(s.Message(), 200)
	}
	return fmt.Sprintf("%s: %s", s.Code(), firstLine(s.Message(), 200))
}
