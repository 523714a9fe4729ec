package pgvector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rate buckets and token budgets (web.SharedLimits) live in rate_buckets, token_spent and
// token_holds (0009), so that every replica on the database counts against the same limits. Each
// call is one statement or one short transaction; the rows of one key or scope are its lock.

// takeRate takes one token from bucket $1 (at most $3, refilled at $2 a second) as of $4, creating
// it full: the row is updated, and returned, only when a token is there. ON CONFLICT locks the row
// and sees the last committed tokens, so two replicas taking at once take one token each.
const takeRate = `INSERT INTO rate_buckets AS b (key, tokens, at) VALUES ($1, $3::float8 - 1, $4)
ON CONFLICT (key) DO UPDATE SET
    tokens = least($3::float8, b.tokens + greatest(0, extract(epoch FROM $4::timestamptz - b.at))::float8 * $2::float8) - 1,
    at = greatest(b.at, $4::timestamptz)
WHERE least($3::float8, b.tokens + greatest(0, extract(epoch FROM $4::timestamptz - b.at))::float8 * $2::float8) >= 1
RETURNING tokens`

// rateTokens is what bucket $1 holds as of $4, for how long to wait.
const rateTokens = `SELECT least($3::float8, tokens + greatest(0, extract(epoch FROM $4::timestamptz - at))::float8 * $2::float8)
FROM rate_buckets WHERE key = $1`

// TakeRate takes one request from bucket key, which holds at most burst and refills at perSec a
// second, as of now. It returns 0 when taken, else how long until one is there, taking nothing.
func (s *Store) TakeRate(ctx context.Context, key string, perSec float64, burst int, now time.Time) (time.Duration, error) {
	burst = max(burst, 1)
	var left float64
	err := s.pool.QueryRow(ctx, takeRate, key, perSec, burst, now).Scan(&left)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("pgvector: take rate: %w", mapErr(err))
	}
	var have float64
	if err := s.pool.QueryRow(ctx, rateTokens, key, perSec, burst, now).Scan(&have); err != nil {
		return 0, fmt.Errorf("pgvector: take rate: %w", mapErr(err))
	}
	return waitFor(1-have, perSec), nil
}

// waitFor is how long a bucket refilling at perSec a second takes to gain need tokens: at least a
// millisecond, an hour when it never refills.
func waitFor(need, perSec float64) time.Duration {
	if perSec <= 0 {
		return time.Hour
	}
	return max(time.Millisecond, time.Duration(need/perSec*float64(time.Second)))
}

const (
	ensureSpent = `INSERT INTO token_spent (scope, day) VALUES ($1, $2::date) ON CONFLICT DO NOTHING`
	// lockSpent locks scope $1's row of day $2: holds of one scope and day are made one at a time.
	lockSpent  = `SELECT spent FROM token_spent WHERE scope = $1 AND day = $2::date FOR UPDATE`
	dropLapsed = `DELETE FROM token_holds WHERE scope = $1 AND day = $2::date AND expires_at <= $3`
	sumHolds   = `SELECT coalesce(sum(tokens), 0) FROM token_holds WHERE scope = $1 AND day = $2::date`
	insertHold = `INSERT INTO token_holds (id, scope, day, tokens, expires_at) VALUES ($1, $2, $3::date, $4, $5)`
	deleteHold = `DELETE FROM token_holds WHERE id = $1`
	addSpent   = `INSERT INTO token_spent AS t (scope, day, spent) VALUES ($1, $2::date, $3)
ON CONFLICT (scope, day) DO UPDATE SET spent = t.spent + EXCLUDED.spent`
	spentAndHeld = `SELECT coalesce((SELECT spent FROM token_spent WHERE scope = $1 AND day = $2::date), 0) +
    coalesce((SELECT sum(tokens) FROM token_holds WHERE scope = $1 AND day = $2::date AND expires_at > $3), 0)`
)

// HoldTokens holds up to n tokens of scope's budget for day (YYYY-MM-DD), limit tokens, for a
// model call: n, or what is left when less. It returns the hold's ID and the tokens held, or "" and
// 0 when nothing is left. A hold not settled lapses at expires.
func (s *Store) HoldTokens(ctx context.Context, scope, day string, n, limit int, now, expires time.Time) (string, int, error) {
	var id string
	var got int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, ensureSpent, scope, day); err != nil {
			return err
		}
		var spent, held int
		if err := tx.QueryRow(ctx, lockSpent, scope, day).Scan(&spent); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, dropLapsed, scope, day, now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, sumHolds, scope, day).Scan(&held); err != nil {
			return err
		}
		left := limit - spent - held
		if left <= 0 {
			return nil
		}
		got, id = min(n, left), holdID()
		_, err := tx.Exec(ctx, insertHold, id, scope, day, got, expires)
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("pgvector: hold tokens: %w", mapErr(err))
	}
	return id, got, nil
}

// holdID returns a new random hold ID.
func holdID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SettleTokens ends hold id ("" for none) and adds used tokens to scope's spending on day, in one
// transaction.
func (s *Store) SettleTokens(ctx context.Context, id, scope, day string, used int) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if id != "" {
			if _, err := tx.Exec(ctx, deleteHold, id); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, addSpent, scope, day, used)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgvector: settle tokens: %w", mapErr(err))
	}
	return nil
}

// SpentTokens returns scope's tokens spent on day and held as of now.
func (s *Store) SpentTokens(ctx context.Context, scope, day string, now time.Time) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, spentAndHeld, scope, day, now).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgvector: spent tokens: %w", mapErr(err))
	}
	return n, nil
}
