package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/bitwobbly/bitwobbly/store"
)

// tokenPrefix starts every API token, so leaked tokens are easy to find.
const tokenPrefix = "bw_"

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("app: no randomness: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// issueToken creates an API token and returns its plain text, shown once.
func issueToken(ctx context.Context, st *store.Store, teamID, userID int64, name string) (string, store.APIToken, error) {
	plain := tokenPrefix + randomToken(30)
	t, err := st.CreateToken(ctx, store.APIToken{
		TeamID: teamID,
		UserID: userID,
		Name:   name,
		Prefix: plain[:len(tokenPrefix)+6],
		Hash:   sha256Hex(plain),
	})
	return plain, t, err
}
