package embedded

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Rate buckets and token budgets (web.SharedLimits) live in rate_buckets, token_spent and
// token_holds (0009), so that a restart forgets neither a key's requests nor its day's spending.
// Their writes are group-committed with the draft writes (commit.go): one request's bucket costs a
// share of a commit, not a commit.

// TakeRate takes one request from bucket key, which holds at most burst and refills at perSec a
// second, as of now. It returns 0 when taken, else how long until one is there, taking nothing.
func (s *Store) TakeRate(ctx context.Context, key string, perSec float64, burst int, now time.Time) (time.Duration, error) {
	const (
		get = `SELECT tokens, at FROM rate_buckets WHERE key = ?`
		put = `INSERT INTO rate_buckets (key, tokens, at) VALUES (?1, ?2, ?3)
			ON CONFLICT (key) DO UPDATE SET tokens = ?2, at = ?3`
	)
	burst = max(burst, 1)
	var wait time.Duration
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		wait = 0
		have, at := float64(burst), now
		var nanos int64
		switch err := tx.QueryRowContext(ctx, get, key).Scan(&have, &nanos); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			at = time.Unix(0, nanos)
			if elapsed := now.Sub(at); elapsed > 0 {
				have = min(float64(burst), have+elapsed.Seconds()*perSec)
				at = now
			}
		}
		if have < 1 {
			wait = waitFor(1-have, perSec)
			return nil
		}
		_, err := tx.ExecContext(ctx, put, key, have-1, at.UnixNano())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("embedded: take rate: %w", err)
	}
	return wait, nil
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
	selectSpent = `SELECT coalesce((SELECT spent FROM token_spent WHERE scope = ?1 AND day = ?2), 0)`
	sumHolds    = `SELECT coalesce(sum(tokens), 0) FROM token_holds WHERE scope = ?1 AND day = ?2 AND expires_at > ?3`
	addSpent    = `INSERT INTO token_spent (scope, day, spent) VALUES (?1, ?2, ?3)
		ON CONFLICT (scope, day) DO UPDATE SET spent = spent + excluded.spent`
)

// HoldTokens holds up to n tokens of scope's budget for day (YYYY-MM-DD), limit tokens, for a
// model call: n, or what is left when less. It returns the hold's ID and the tokens held, or "" and
// 0 when nothing is left. A hold not settled lapses at expires.
func (s *Store) HoldTokens(ctx context.Context, scope, day string, n, limit int, now, expires time.Time) (string, int, error) {
	const (
		dropLapsed = `DELETE FROM token_holds WHERE scope = ? AND day = ? AND expires_at <= ?`
		insertHold = `INSERT INTO token_holds (id, scope, day, tokens, expires_at) VALUES (?, ?, ?, ?, ?)`
	)
	var id string
	var got int
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		id, got = "", 0
		if _, err := tx.ExecContext(ctx, dropLapsed, scope, day, now.UnixNano()); err != nil {
			return err
		}
		var spent, held int
		if err := tx.QueryRowContext(ctx, selectSpent, scope, day).Scan(&spent); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, sumHolds, scope, day, now.UnixNano()).Scan(&held); err != nil {
			return err
		}
		left := limit - spent - held
		if left <= 0 {
			return nil
		}
		b := make([]byte, 12)
		rand.Read(b)
		got, id = min(n, left), hex.EncodeToString(b)
		_, err := tx.ExecContext(ctx, insertHold, id, scope, day, got, expires.UnixNano())
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("embedded: hold tokens: %w", err)
	}
	return id, got, nil
}

// SettleTokens ends hold id ("" for none) and adds used tokens to scope's spending on day, in one
// transaction.
func (s *Store) SettleTokens(ctx context.Context, id, scope, day string, used int) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if id != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM token_holds WHERE id = ?`, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, addSpent, scope, day, used)
		return err
	})
	if err != nil {
		return fmt.Errorf("embedded: settle tokens: %w", err)
	}
	return nil
}

// SpentTokens returns scope's tokens spent on day and held as of now.
func (s *Store) SpentTokens(ctx context.Context, scope, day string, now time.Time) (int, error) {
	var spent, held int
	if err := s.db.QueryRowContext(ctx, selectSpent, scope, day).Scan(&spent); err != nil {
		return 0, fmt.Errorf("embedded: spent tokens: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, sumHolds, scope, day, now.UnixNano()).Scan(&held); err != nil {
		return 0, fmt.Errorf("embedded: spent tokens: %w", err)
	}
	return spent + held, nil
}
