/**
 * api-read: the board snapshot and case search of a lab with 100k cases (the earlier
 * bench/lab-cases.ts, folded in), under autocannon at 1 and 50 connections: req/s and latency.
 * Baseline, same run: a bare Fastify hello route served by the same server process on another port.
 * Also: the server's CPU during each run, SQL statements per request, a CPU profile of the board
 * under load, and the database's own time for the board's statements.
 */
import { load, noteLoad, nowMs, quick, round, sleep, stats, table, writeResult } from './lib/common';
import { createBenchDatabase, rawClient } from './lib/database';
import { row, run, startAppServer, type LoadFigures } from './lib/http-load';
import { loadCases, loginToken, seedLab } from './lib/lab-fixture';

const name = 'api-read';
const startedLoad = noteLoad(name);
const caseCount = Number(process.env.BENCH_CASES ?? (quick ? 20_000 : 100_000));
const seconds = quick ? 3 : 10;
const connections = 50;

const database = await createBenchDatabase(name);
try {
  const db = await rawClient(database.url);
  const lab = await seedLab(db);
  console.log(`api-read: loading ${caseCount.toLocaleString()} cases...`);
  const loadStart = nowMs();
  await loadCases(db, lab, caseCount);
  const loadSeconds = round((nowMs() - loadStart) / 1000, 1);
  console.log(`  loaded in ${loadSeconds} s`);

  const server = await startAppServer(database.url, database.redisPrefix, { BENCH_HELLO: '1' });
  try {
    const token = await loginToken(server.base, lab.adminEmail);
    const headers = { authorization: `Bearer ${token}` };
    const api = `/api/v1/orgs/${lab.orgId}`;
    const boardBody = await (await fetch(`${server.base}${api}/board`, { headers })).text();
    const queries = ['kowalska', 'Nakamura', 'ACC-4711', 'CASE-04242', 'straumann', 'Dr. Priya', 'wedding', 'horvat', 'ACC-1', 'Sato'];
    const sizes = Object.fromEntries(
      await Promise.all(queries.map(async (q) => [q, ((await (await fetch(`${server.base}${api}/cases/search?query=${encodeURIComponent(q)}`, { headers })).json()) as { items: unknown[] }).items.length] as const)),
    );

    const results: Record<string, LoadFigures> = {};
    const measure = async (label: string, conns: number, options: { url: string; requests?: unknown[]; headers?: Record<string, string> }) => {
      console.log(`  ${label}, ${conns} connection(s), ${seconds} s...`);
      results[`${label} @${conns}`] = await run(server.child, { duration: seconds, connections: conns, ...options } as never);
      return results[`${label} @${conns}`]!;
    };
    // Warm-up: JIT and pools.
    await run(server.child, { url: `${server.base}${api}/board`, headers, connections: 5, amount: 100 });
    await run(server.child, { url: `${server.helloBase}/`, connections: 5, amount: 2000 });

    const hello = await measure('hello (bare fastify)', connections, { url: `${server.helloBase}/` });
    const boardAlone = await measure('board snapshot', 1, { url: `${server.base}${api}/board`, headers });
    const board = await measure('board snapshot', connections, { url: `${server.base}${api}/board`, headers });
    const byDesigner = await measure('board by designer', connections, {
      url: server.base,
      headers,
      requests: lab.designerIds.map((id) => ({ method: 'GET', path: `${api}/board?designerId=${id}` })),
    });
    // The floor of an authenticated org route: auth, the membership check and one small indexed read
    // (what a cached board would cost per request).
    const floor = await measure('floor: cases?limit=1', connections, { url: `${server.base}${api}/cases?limit=1`, headers });
    const searchRequests = queries.map((q) => ({ method: 'GET', path: `${api}/cases/search?query=${encodeURIComponent(q)}` }));
    const searchAlone = await measure('case search', 1, { url: server.base, headers, requests: searchRequests });
    const search = await measure('case search', connections, { url: server.base, headers, requests: searchRequests });

    // Where the board's time goes under load: a short profiled run (not one of the figures above).
    await server.child.call('profile-start');
    await run(server.child, { url: `${server.base}${api}/board`, headers, connections, duration: Math.min(5, seconds) });
    const profile = await server.child.call('profile-stop');

    // The database's own time for a board that is not cached (as case-board.service.ts issues them):
    // the counts grouped by status, then each column's first cards through a lateral join.
    const cardColumns = 'id, case_number, patient_name, dentist_name, dentist_user_id, material, case_type, tooth_numbers, shade, due_date, status, delivery_status, approval_status, assigned_designer_id, is_outsourced, outsourced_to, redo_count, version';
    const sqlTimes: number[] = [];
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      const start = nowMs();
      await db.query('select status, count(*)::int as count from lab_cases where org_id = $1 group by status', [lab.orgId]);
      await db.query(
        `select card.* from unnest($2::text[]) with ordinality as s(status, position)
         cross join lateral (select ${cardColumns} from lab_cases where org_id = $1 and status = s.status order by due_date, id limit 100) as card
         order by s.position, card.due_date, card.id`,
        [lab.orgId, ['new', 'in_progress', 'pending_approval', 'completed', 'sent_to_outsource']],
      );
      sqlTimes.push(nowMs() - start);
    }
    const explain = (await db.query('explain (analyze, buffers) select status, count(*)::int as count from lab_cases where org_id = $1 group by status', [lab.orgId])).rows.map((r) => r['QUERY PLAN']);
    await db.end();

    const rows = [
      row('hello (bare fastify)', hello, { 'x hello': 1 }),
      row('board snapshot', boardAlone),
      row('board snapshot', board, { 'x hello': round(board.reqPerSec / hello.reqPerSec, 4) }),
      row('board by designer', byDesigner, { 'x hello': round(byDesigner.reqPerSec / hello.reqPerSec, 4) }),
      row('floor: cases?limit=1', floor, { 'x hello': round(floor.reqPerSec / hello.reqPerSec, 4) }),
      row('case search', searchAlone),
      row('case search', search, { 'x hello': round(search.reqPerSec / hello.reqPerSec, 4) }),
    ];
    table(`api-read: ${caseCount.toLocaleString()} cases, ${seconds} s per run (board response ${Math.round(boardBody.length / 1024)} KB)`, rows);
    const sql = stats(sqlTimes);
    console.log(`An uncached board's 2 statements, run directly in sequence: p50 ${sql.p50} ms (database time + round trips, no ORM)`);
    const targets = { 'board snapshot p99 under 20 ms at 50 connections': { value: board.p99, target: 20, met: board.p99 < 20 } };
    console.log('Targets:', targets);
    writeResult(name, startedLoad, {
      settings: { caseCount, seconds, connections, loadSeconds },
      boardResponseBytes: boardBody.length,
      searchResultSizes: sizes,
      runs: results,
      boardStatementsDirectMs: sql,
      boardCountPlan: explain,
      boardProfile: profile,
      targets,
      table: rows,
      loadAfter: load(),
    });
  } finally {
    // Let requests still queued from the last run drain before the pool closes.
    await sleep(3000);
    await server.child.stop();
  }
} finally {
  await database.drop();
}
