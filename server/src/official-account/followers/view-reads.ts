import {
  createGroupCommit,
  REQUEST_PATH_GROUPING,
  type GroupedCall,
  perKey,
} from '../../platform/group-commit';
import {
  findFollowersForViews,
  type FollowerReadDeps,
  type FollowerViewAnswer,
  type FollowerViewQuery,
} from './store';

/**
 * The subscription view's follower read, one per login: concurrent reads
 * share commands (platform/group-commit.ts), one `find` per account for
 * every user waiting (store.ts findFollowersForViews). One per process.
 */
export type FollowerViewReads = GroupedCall<FollowerViewQuery, FollowerViewAnswer>;

/** The grouped reader over the Follower model. */
export function createFollowerViewReads(deps: FollowerReadDeps): FollowerViewReads {
  return createGroupCommit<FollowerViewQuery, FollowerViewAnswer>(answerGroup(deps), {
    ...REQUEST_PATH_GROUPING,
    what: 'follower reads',
  });
}

/** One read per account in the group, each member told its own answer. */
const answerGroup = (deps: FollowerReadDeps) =>
  perKey<FollowerViewQuery, FollowerViewAnswer>(
    (query) => query.appid,
    async (appid, members) => {
      const answers = await findFollowersForViews(
        deps,
        appid,
        members.map((m) => m.input),
      );
      members.forEach((member, i) => member.resolve(answers[i]!));
    },
  );
